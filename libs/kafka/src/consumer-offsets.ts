import type { Admin, Kafka } from 'kafkajs';
import type { PartitionLag } from '@baton/core';
import { partitionKey, type Assignment, type Backlog } from './consumer-catch-up';

/**
 * Retries of the admin client that reads the lag: one, so a broker that is
 * down fails the read quickly (it is for metrics, read again at the next
 * scrape) rather than after kafkajs's minute of retries.
 */
export const LAG_READ_RETRIES = 1;

/**
 * Retries of the admin client that reads a backlog at a join: two, a little
 * more patient than the lag's, since the catch-up waits on it; a read that
 * still fails is tried again by ConsumerCatchUp.
 */
export const BACKLOG_READ_RETRIES = 2;

/** What kafkajs's fetchOffsets reports for a partition the group has committed no offset for (as Kafka's OffsetFetch does). */
const NO_COMMITTED_OFFSET = -1;

/** The offset the group's work on a partition begins at: its committed offset, or the partition's start before the group committed any. */
function uncommittedFrom(committed: string | undefined, low: string): number {
  const offset = Number(committed ?? NO_COMMITTED_OFFSET);
  return offset >= 0 ? offset : Number(low);
}

/** Runs `read` with a short-lived admin client of `retries` retries, connected for it. */
async function withAdmin<T>(kafka: Kafka, retries: number, read: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin({ retry: { retries } });
  await admin.connect();
  try {
    return await read(admin);
  } finally {
    await admin.disconnect();
  }
}

/**
 * How many messages of each partition of `topics` the group has not
 * committed yet: the partition's end offset minus the group's committed
 * offset (minus its start, before the group committed any).
 */
export async function readConsumerLag(kafka: Kafka, groupId: string, topics: string[]): Promise<PartitionLag[]> {
  return withAdmin(kafka, LAG_READ_RETRIES, async (admin) => {
    const committed = await admin.fetchOffsets({ groupId, topics });
    const lags: PartitionLag[] = [];
    for (const { topic, partitions } of committed) {
      for (const end of await admin.fetchTopicOffsets(topic)) {
        const from = uncommittedFrom(partitions.find((p) => p.partition === end.partition)?.offset, end.low);
        lags.push({ topic, partition: end.partition, lag: Math.max(0, Number(end.high) - from) });
      }
    }
    return lags;
  });
}

/**
 * The backlog of an assignment: for each assigned partition whose end
 * offset is beyond the group's committed offset, that end offset.
 */
export async function readBacklog(kafka: Kafka, groupId: string, assignment: Assignment): Promise<Backlog> {
  const topics = Object.keys(assignment).filter((topic) => assignment[topic].length);
  const backlog: Backlog = new Map();
  if (!topics.length) return backlog;
  return withAdmin(kafka, BACKLOG_READ_RETRIES, async (admin) => {
    const committed = await admin.fetchOffsets({ groupId, topics });
    for (const topic of topics) {
      const partitions = committed.find((c) => c.topic === topic)?.partitions ?? [];
      for (const end of await admin.fetchTopicOffsets(topic)) {
        if (!assignment[topic].includes(end.partition)) continue;
        const from = uncommittedFrom(partitions.find((p) => p.partition === end.partition)?.offset, end.low);
        if (Number(end.high) > from) backlog.set(partitionKey(topic, end.partition), Number(end.high));
      }
    }
    return backlog;
  });
}
