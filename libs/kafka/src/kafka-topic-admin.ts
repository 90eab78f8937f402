import type { Admin, Kafka } from 'kafkajs';
import type { BatonLogger, StartUpWait } from '@baton/core';
import { KafkaNotReadyError } from './start-up-retry';

/** How the topics a transport creates are laid out. */
export interface TopicLayout {
  partitions: number;
  /** -1: the broker's default. */
  replicationFactor: number;
}

/** Whether creating topics failed only because they exist already (another service or replica, or an earlier attempt, created them). */
function onlyAlreadyExists(error: unknown): boolean {
  const { type, errors } = error as { type?: string; errors?: Array<{ type?: string }> };
  if (type === 'TOPIC_ALREADY_EXISTS') return true;
  return Array.isArray(errors) && errors.length > 0 && errors.every((e) => e.type === 'TOPIC_ALREADY_EXISTS');
}

/**
 * Makes sure topics exist: lists them, creates the missing ones, then waits
 * until every partition of each has a leader. Each step is one try per call
 * on a client without kafkajs's retries; the start-up wait paces the
 * attempts, within its budget, and says what it waits for.
 */
export class KafkaTopicAdmin {
  /** `kafka` is the start-up client (without retries, see START_UP_CLIENT_RETRY). */
  constructor(
    private readonly kafka: Kafka,
    private readonly layout: TopicLayout,
    private readonly logger: BatonLogger,
  ) {}

  /** Creates the missing ones among `wanted`, then waits for their leaders, through `startUp`. */
  async ensure(wanted: readonly string[], startUp: StartUpWait): Promise<void> {
    const admin = this.kafka.admin();
    // Each attempt connects first, in case the broker dropped the connection meanwhile (when connected, a no-op).
    const connected =
      <T>(call: () => Promise<T>) =>
      async (): Promise<T> => {
        await admin.connect();
        return call();
      };
    try {
      const existing = new Set(await startUp.run('listing topics', connected(() => admin.listTopics())));
      const missing = wanted.filter((topic) => !existing.has(topic));
      if (missing.length) await startUp.run(`creating topics ${missing.join(', ')}`, connected(() => this.create(admin, missing)));
      if (wanted.length) await startUp.run(`waiting for leaders of topics ${wanted.join(', ')}`, connected(() => this.led(admin, wanted)));
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private async create(admin: Admin, topics: string[]): Promise<void> {
    try {
      // Leaders are waited for next, through the start-up wait (kafkajs's own wait gives up after 5 s).
      const created = await admin.createTopics({
        waitForLeaders: false,
        topics: topics.map((topic) => ({ topic, numPartitions: this.layout.partitions, replicationFactor: this.layout.replicationFactor })),
      });
      if (created) this.logger.log(`Created Kafka topics: ${topics.join(', ')}`);
    } catch (error) {
      // Another service (or replica) created some of them at the same moment, or an attempt before this one did: fine.
      if (!onlyAlreadyExists(error)) throw error;
    }
  }

  /** Resolves once every partition of every topic has a leader: right after creation, metadata lags. */
  private async led(admin: Admin, topics: readonly string[]): Promise<void> {
    const { topics: found } = await admin.fetchTopicMetadata({ topics: [...topics] });
    const unled = topics.filter((name) => {
      const topic = found.find((t) => t.name === name);
      return !topic?.partitions.length || topic.partitions.some((p) => p.leader < 0);
    });
    if (unled.length) throw new KafkaNotReadyError(`Not every partition has a leader yet: ${unled.join(', ')}`);
  }
}
