import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError, type Kafka } from 'kafkajs';
import { DependencyUnavailableError, StartUpTimeoutError } from '@baton/core';
import { KafkaTransport } from './kafka.transport';

function answer(type: string, retriable: boolean, message: string): KafkaJSProtocolError {
  return new KafkaJSProtocolError(Object.assign(new Error(message), { type, code: 0, retriable }) as any);
}
const refused = () => new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092', { code: 'ECONNREFUSED' } as any);
const retriesExceeded = (error: Error) => new KafkaJSNumberOfRetriesExceeded(error, { retryCount: 0, retryTime: 300 } as any);

/**
 * A cluster that is starting: each admin call fails with the errors queued
 * for it, one per call, then succeeds. Records what was connected and
 * disconnected.
 */
function startingCluster(failures: { connect?: Error[]; listTopics?: Error[]; createTopics?: Error[]; unledFetches?: number } = {}) {
  const queue = { connect: [...(failures.connect ?? [])], listTopics: [...(failures.listTopics ?? [])], createTopics: [...(failures.createTopics ?? [])] };
  let unledFetches = failures.unledFetches ?? 0;
  const topics = new Set<string>();
  const calls: string[] = [];
  let producerConnect: () => Promise<void> = async () => undefined;
  const failOr = async (call: keyof typeof queue) => {
    calls.push(`admin.${call}`);
    const error = queue[call].shift();
    if (error) throw error;
  };
  const events = { GROUP_JOIN: 'join', CRASH: 'crash', STOP: 'stop', DISCONNECT: 'disconnect', CONNECT: 'connect' };
  const kafka = {
    admin: () => ({
      connect: () => failOr('connect'),
      disconnect: async () => void calls.push('admin.disconnect'),
      listTopics: async () => (await failOr('listTopics'), [...topics]),
      createTopics: async ({ topics: wanted }: { topics: Array<{ topic: string }> }) => {
        await failOr('createTopics');
        for (const { topic } of wanted) topics.add(topic);
        return true;
      },
      fetchTopicMetadata: async ({ topics: names }: { topics: string[] }) => {
        calls.push('admin.fetchTopicMetadata');
        const leader = unledFetches-- > 0 ? -1 : 1;
        return { topics: names.map((name) => ({ name, partitions: [{ partitionId: 0, leader }] })) };
      },
    }),
    producer: () => ({
      events,
      on: () => undefined,
      connect: () => (calls.push('producer.connect'), producerConnect()),
      disconnect: async () => void calls.push('producer.disconnect'),
    }),
    consumer: () => ({
      events,
      on: () => undefined,
      connect: async () => void calls.push('consumer.connect'),
      subscribe: async () => void calls.push('consumer.subscribe'),
      disconnect: async () => void calls.push('consumer.disconnect'),
      run: async () => void calls.push('consumer.run'),
    }),
  };
  return {
    createClient: () => kafka as unknown as Kafka,
    topics,
    calls,
    hangProducerConnect: () => (producerConnect = () => new Promise(() => undefined)),
  };
}

function recordingLogger() {
  const lines: string[] = [];
  return {
    lines,
    logger: { log: (m: string) => lines.push(`log ${m}`), warn: (m: string) => lines.push(`warn ${m}`), error: (m: string) => lines.push(`error ${m}`) },
  };
}

async function transportOn(cluster: ReturnType<typeof startingCluster>, startTimeoutMs: number) {
  const { lines, logger } = recordingLogger();
  const transport = new KafkaTransport({ brokers: ['b1:9092', 'b2:9092'], groupId: 'g', startTimeoutMs, logger }, cluster.createClient);
  await transport.subscribe('replies', async () => undefined, { deadLetters: { record: async () => undefined } });
  return { transport, lines };
}

describe('KafkaTransport start-up', () => {
  it('waits out a cluster that is still starting: refused connections, no controller yet, no leaders yet; one line per kind of wait', async () => {
    const cluster = startingCluster({
      connect: [refused(), refused(), refused()],
      createTopics: [retriesExceeded(answer('NOT_CONTROLLER', true, 'This is not the correct controller for this cluster'))],
      unledFetches: 2,
    });
    const { transport, lines } = await transportOn(cluster, 30_000);

    await transport.start();

    expect([...cluster.topics].sort()).toEqual(['replies', 'replies.dlq']);
    expect(cluster.calls.filter((call) => call.startsWith('consumer'))).toEqual(['consumer.connect', 'consumer.subscribe', 'consumer.run']);
    const waits = lines.filter((line) => line.startsWith('warn'));
    expect(waits).toEqual([
      expect.stringContaining('Waiting for Kafka (b1:9092,b2:9092) (listing topics): KafkaJSConnectionError: Connection error: connect ECONNREFUSED'),
      expect.stringContaining('(creating topics replies, replies.dlq): KafkaJSProtocolError: This is not the correct controller for this cluster (NOT_CONTROLLER)'),
      expect.stringContaining('(waiting for leaders of topics replies, replies.dlq): KafkaNotReadyError: Not every partition has a leader yet: replies, replies.dlq'),
    ]);
    expect(lines).toContainEqual(expect.stringMatching(/^log Kafka \(b1:9092,b2:9092\) answered after [\d.]+ s of waiting\.$/));
    await transport.close();
  });

  it('gives up when the budget is spent: a StartUpTimeoutError naming the brokers, the step, the budget and the last error', async () => {
    const cluster = startingCluster({ connect: Array.from({ length: 1000 }, refused) });
    const { transport } = await transportOn(cluster, 600);

    const failure = await transport.start().catch((error: Error) => error);

    expect(failure).toBeInstanceOf(StartUpTimeoutError);
    expect(failure).toBeInstanceOf(DependencyUnavailableError);
    expect((failure as Error).message).toBe(
      'Kafka (b1:9092,b2:9092) did not answer within 0.6 s (listing topics); last error: KafkaJSConnectionError: Connection error: connect ECONNREFUSED 127.0.0.1:9092',
    );
    expect(cluster.calls).toContain('admin.disconnect');
    expect(cluster.calls).not.toContain('producer.connect');
  });

  it('gives up on a connect still under way when the budget is spent, and disconnects it', async () => {
    const cluster = startingCluster();
    cluster.hangProducerConnect();
    const { transport } = await transportOn(cluster, 500);

    const failure = await transport.start().catch((error: Error) => error);

    expect(failure).toBeInstanceOf(StartUpTimeoutError);
    expect((failure as Error).message).toBe('Kafka (b1:9092,b2:9092) did not answer within 0.5 s (connecting the producer); last error: no answer at all');
    expect(cluster.calls).toContain('producer.disconnect');
  });

  it('fails at once on an error no waiting fixes, saying what it was doing', async () => {
    const cluster = startingCluster({ createTopics: [answer('INVALID_REPLICATION_FACTOR', false, 'Replication-factor is invalid')] });
    const { transport } = await transportOn(cluster, 30_000);
    const began = Date.now();

    const failure = await transport.start().catch((error: Error) => error);

    expect(Date.now() - began).toBeLessThan(5_000);
    expect(failure).not.toBeInstanceOf(DependencyUnavailableError);
    expect((failure as Error).message).toBe(
      'Kafka (b1:9092,b2:9092): creating topics replies, replies.dlq failed, and waiting would not help: ' +
        'KafkaJSProtocolError: Replication-factor is invalid (INVALID_REPLICATION_FACTOR)',
    );
    expect(cluster.calls.filter((call) => call === 'admin.createTopics')).toHaveLength(1);
  });

  it('may be started again after a failed start', async () => {
    const cluster = startingCluster({ createTopics: [answer('POLICY_VIOLATION', false, 'Request parameters do not satisfy the configured policy')] });
    const { transport } = await transportOn(cluster, 30_000);
    await expect(transport.start()).rejects.toThrow('POLICY_VIOLATION');

    await transport.start();

    expect(cluster.calls).toContain('consumer.run');
    await transport.close();
  });
});
