import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import { withLogContext } from '@baton/core';
import { BatchHeartbeat } from './batch-heartbeat';
import type { MessageAttempts, Subscription } from './message-attempts';
import { logContextOfMessage } from './message-log-context';

/** What a PartitionBatchConsumer works with. */
export interface PartitionBatchParts {
  /** The subscription of a topic the consumer subscribed to. */
  subscriptionOf(topic: string): Subscription;
  /** The attempts at each message: retries, outages, dead letters. */
  attempts: MessageAttempts;
  /** How often the member heartbeats while a batch is in hand (see BatchHeartbeat). */
  heartbeatIntervalMs: number;
  /** Called for each offset once resolved: it and every message before it in its partition are done with. */
  resolved(topic: string, partition: number, offset: string): void;
}

/**
 * The indexes of a batch's messages by key, in offset order: one chain per
 * key (saga). A message without a key is a chain of its own.
 */
export function chainsByKey(messages: readonly KafkaMessage[]): number[][] {
  const chains = new Map<string, number[]>();
  messages.forEach((message, i) => {
    const key = message.key?.toString('utf8') ?? `#${i}`;
    const chain = chains.get(key);
    if (chain) chain.push(i);
    else chains.set(key, [i]);
  });
  return [...chains.values()];
}

/**
 * Handles a partition's batch (kafkajs's eachBatch, with auto-resolve off):
 * the messages of one key (saga) one after the other, different keys side by
 * side, so the handler can apply many sagas' messages together while each
 * saga's stay in order. An offset is resolved only once it and every message
 * before it have been handled, i.e. their database transactions committed.
 * The member heartbeats in the background meanwhile; once it cannot (a
 * rebalance began), or the batch goes stale, or the consumer stops, no
 * further message of the batch is started, and what was not handled comes
 * again. The offsets resolved are committed at the end of the batch.
 */
export class PartitionBatchConsumer {
  constructor(private readonly parts: PartitionBatchParts) {}

  async consume({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { topic, partition, messages } = batch;
    const subscription = this.parts.subscriptionOf(topic);
    const handled = messages.map(() => false);
    let resolved = 0;
    const keepAlive = new BatchHeartbeat(heartbeat, this.parts.heartbeatIntervalMs);
    const givenUp = () => !isRunning() || isStale() || keepAlive.failed;
    let settled: Array<PromiseSettledResult<void>>;
    try {
      settled = await Promise.allSettled(
        chainsByKey(messages).map(async (chain) => {
          for (const i of chain) {
            if (givenUp()) return;
            const message = messages[i];
            const done = await withLogContext(logContextOfMessage(message), () =>
              this.parts.attempts.handle({ topic, partition, message }, subscription, givenUp),
            );
            if (!done) return;
            handled[i] = true;
            // Only now, with the handler's transaction committed, may the offset move past it.
            while (resolved < messages.length && handled[resolved]) {
              const { offset } = messages[resolved++];
              resolveOffset(offset);
              this.parts.resolved(topic, partition, offset);
            }
          }
        }),
      );
    } finally {
      await keepAlive.stop();
    }
    await commitOffsetsIfNecessary();
    // A failed heartbeat first: kafkajs rejoins the group on a rebalance error.
    if (keepAlive.failed) throw keepAlive.failure;
    const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
