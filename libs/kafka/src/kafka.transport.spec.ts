import type { EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { DependencyUnavailableError, PermanentMessageError, uuidv7, type DeadLetter, type MessageHandler } from '@baton/core';
import { encodeMessage } from './header-codec';
import { KafkaTransport } from './kafka.transport';

const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * kafkajs behind the transport's createClient seam: a producer, an admin
 * that knows the topics and their offsets, and a consumer whose batches the
 * test hands in itself.
 */
function fakeKafka(offsets: { committed: number; high: number } = { committed: -1, high: 0 }, send: (record: unknown) => Promise<unknown> = async () => undefined) {
  const listeners = new Map<string, (event: any) => void>();
  let eachBatch: ((payload: EachBatchPayload) => Promise<void>) | undefined;
  const on = (event: string, listener: (event: any) => void) => void listeners.set(event, listener);
  const events = { GROUP_JOIN: 'join', CRASH: 'crash', STOP: 'stop', DISCONNECT: 'disconnect', CONNECT: 'connect' };
  const kafka = {
    producer: () => ({ events, on, connect: async () => undefined, disconnect: async () => undefined, send, sendBatch: async () => undefined }),
    admin: () => ({
      connect: async () => undefined,
      disconnect: async () => undefined,
      listTopics: async () => ['replies', 'replies.dlq'],
      fetchTopicMetadata: async ({ topics }: { topics: string[] }) => ({ topics: topics.map((name) => ({ name, partitions: [{ leader: 1 }] })) }),
      fetchOffsets: async () => [{ topic: 'replies', partitions: [{ partition: 0, offset: String(offsets.committed) }] }],
      fetchTopicOffsets: async () => [{ partition: 0, low: '0', high: String(offsets.high) }],
    }),
    consumer: () => ({
      events,
      on,
      connect: async () => undefined,
      subscribe: async () => undefined,
      disconnect: async () => undefined,
      run: async (config: { eachBatch: typeof eachBatch }) => void (eachBatch = config.eachBatch),
    }),
  };
  return {
    createClient: () => kafka as unknown as Kafka,
    /** The group let the consumer in, with partition 0 of `replies`. */
    join: () => listeners.get('join')!({ payload: { memberAssignment: { replies: [0] } } }),
    /** Delivers `messages` as one batch of partition 0; resolves with the offsets resolved. */
    deliver: async (messages: KafkaMessage[], heartbeat: () => Promise<void> = async () => undefined) => {
      const resolved: string[] = [];
      await eachBatch!({
        batch: { topic: 'replies', partition: 0, messages } as any,
        resolveOffset: (offset: string) => void resolved.push(offset),
        heartbeat,
        commitOffsetsIfNecessary: async () => undefined,
        isRunning: () => true,
        isStale: () => false,
      } as unknown as EachBatchPayload);
      return resolved;
    },
  };
}

function message(offset: number): KafkaMessage {
  const encoded = encodeMessage({
    messageId: uuidv7(),
    type: 'StockReserved',
    version: 1,
    sagaId: uuidv7(),
    sagaName: 'order-fulfillment',
    correlationId: 'c',
    sentAt: new Date().toISOString(),
    payload: {},
  });
  return {
    key: Buffer.from(String(encoded.key)),
    value: Buffer.from(String(encoded.value)),
    headers: encoded.headers,
    offset: String(offset),
    timestamp: '0',
    attributes: 0,
  } as KafkaMessage;
}

async function startedTransport(handler: MessageHandler, kafka = fakeKafka(), options: Partial<ConstructorParameters<typeof KafkaTransport>[0]> = {}) {
  const letters: DeadLetter[] = [];
  const transport = new KafkaTransport(
    { brokers: ['b:9092'], groupId: 'g', retryDelayMs: 1, maxRetryDelayMs: 5, logger: silent, ...options },
    kafka.createClient,
  );
  await transport.subscribe('replies', handler, { deadLetters: { record: async (letter) => void letters.push(letter) } });
  await transport.start();
  return { transport, letters };
}

describe('KafkaTransport consuming', () => {
  it('dead-letters a message whose handler keeps failing, after its attempts', async () => {
    const kafka = fakeKafka();
    const { letters } = await startedTransport(async () => Promise.reject(new Error('boom')), kafka, { maxAttempts: 3 });

    expect(await kafka.deliver([message(0)])).toEqual(['0']);
    expect(letters).toEqual([expect.objectContaining({ attempts: 3, reason: 'boom' })]);
  });

  it('waits out a dependency that is down, however many tries it takes, without counting attempts or dead-lettering', async () => {
    const kafka = fakeKafka();
    let calls = 0;
    const handler = async () => {
      if (++calls <= 12) throw new DependencyUnavailableError('the database', 1000);
    };
    const { letters } = await startedTransport(handler, kafka, { maxAttempts: 3 });

    expect(await kafka.deliver([message(0)])).toEqual(['0']);
    expect({ calls, letters }).toEqual({ calls: 13, letters: [] });
  });

  it('recognises more outages through isDependencyUnavailable', async () => {
    const kafka = fakeKafka();
    let calls = 0;
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const handler = async () => {
      if (++calls <= 8) throw refused;
    };
    const { letters } = await startedTransport(handler, kafka, { maxAttempts: 3, isDependencyUnavailable: (error) => (error as { code?: string }).code === 'ECONNREFUSED' });

    expect(await kafka.deliver([message(0)])).toEqual(['0']);
    expect({ calls, letters }).toEqual({ calls: 9, letters: [] });
  });

  it('waits for a dead-letter sink whose database is down, and records the letter once it is back', async () => {
    const kafka = fakeKafka();
    const letters: DeadLetter[] = [];
    let tries = 0;
    const transport = new KafkaTransport({ brokers: ['b:9092'], groupId: 'g', retryDelayMs: 1, maxRetryDelayMs: 5, logger: silent }, kafka.createClient);
    await transport.subscribe('replies', async () => Promise.reject(new PermanentMessageError('malformed')), {
      deadLetters: {
        record: async (letter) => {
          if (++tries <= 4) throw new DependencyUnavailableError('the database', 1000);
          letters.push(letter);
        },
      },
    });
    await transport.start();

    expect(await kafka.deliver([message(0)])).toEqual(['0']);
    expect({ tries, letters: letters.map((l) => l.reason) }).toEqual({ tries: 5, letters: ['malformed'] });
  });

  it('heartbeats while a batch waits, and gives the batch up when a heartbeat fails (a rebalance)', async () => {
    const kafka = fakeKafka();
    let heartbeats = 0;
    const rebalancing = Object.assign(new Error('The group is rebalancing'), { type: 'REBALANCE_IN_PROGRESS' });
    const heartbeat = async () => {
      if (++heartbeats === 3) throw rebalancing;
    };
    const { letters } = await startedTransport(async () => Promise.reject(new DependencyUnavailableError('the database', 1000)), kafka, {
      heartbeatIntervalMs: 20,
    });

    await expect(kafka.deliver([message(0), message(1)], heartbeat)).rejects.toBe(rebalancing);
    expect({ heartbeats, letters }).toEqual({ heartbeats: 3, letters: [] });
  });
});

describe('KafkaTransport dead-lettering never stops a partition', () => {
  const malformed = async () => Promise.reject(new PermanentMessageError('malformed'));

  async function withSink(record: (letter: DeadLetter) => Promise<void>, kafka = fakeKafka()) {
    const transport = new KafkaTransport({ brokers: ['b:9092'], groupId: 'g', retryDelayMs: 1, maxRetryDelayMs: 5, logger: silent }, kafka.createClient);
    await transport.subscribe('replies', malformed, { deadLetters: { record } });
    await transport.start();
    return transport;
  }

  it('records a letter the sink refuses again without its envelope, with the raw bytes and why, and moves on', async () => {
    const kafka = fakeKafka();
    const letters: DeadLetter[] = [];
    const transport = await withSink(async (letter) => {
      if (letter.envelope) throw new Error('invalid input syntax for type json');
      letters.push(letter);
    }, kafka);

    // Decodes (so the first letter has an envelope), then the handler refuses it.
    const sent = message(0);
    expect(await kafka.deliver([sent])).toEqual(['0']);
    expect(letters).toEqual([
      expect.objectContaining({ reason: 'malformed (recorded without its envelope, refused by the sink: invalid input syntax for type json)' }),
    ]);
    expect(letters[0].envelope).toBeUndefined();
    expect(Buffer.from(letters[0].raw!.value!).equals(sent.value!)).toBe(true);
    expect(transport.deadLetterFailures()).toEqual({ withoutEnvelope: 1, notRecorded: 0, notCopied: 0 });
  });

  it('moves on, counting it, when the sink refuses even the raw message', async () => {
    const kafka = fakeKafka();
    const transport = await withSink(async () => Promise.reject(new Error('disk full of surprises')), kafka);

    expect(await kafka.deliver([message(0), message(1)])).toEqual(['0', '1']);
    expect(transport.deadLetterFailures()).toEqual({ withoutEnvelope: 2, notRecorded: 2, notCopied: 0 });
  });

  it('moves on, counting it, when the broker refuses the dead-letter copy for what it is (too large)', async () => {
    const tooLarge = Object.assign(new Error('The request included a message larger than the max message size the server will accept'), {
      name: 'KafkaJSProtocolError',
      type: 'MESSAGE_TOO_LARGE',
      retriable: false,
    });
    const wrapped = Object.assign(new Error(tooLarge.message), { name: 'KafkaJSNonRetriableError', retriable: false, cause: tooLarge });
    const kafka = fakeKafka(undefined, async () => Promise.reject(wrapped));
    const letters: DeadLetter[] = [];
    const transport = await withSink(async (letter) => void letters.push(letter), kafka);

    expect(await kafka.deliver([message(0)])).toEqual(['0']);
    expect(letters).toHaveLength(1);
    expect(transport.deadLetterFailures()).toEqual({ withoutEnvelope: 0, notRecorded: 0, notCopied: 1 });
  });

  it('does not move on when the broker is away: the message comes again', async () => {
    const away = Object.assign(new Error('Connection error: connect ECONNREFUSED'), { name: 'KafkaJSConnectionError', retriable: true });
    const exhausted = Object.assign(new Error(away.message), { name: 'KafkaJSNumberOfRetriesExceeded', retriable: false, cause: away });
    const kafka = fakeKafka(undefined, async () => Promise.reject(exhausted));
    const transport = await withSink(async () => undefined, kafka);

    await expect(kafka.deliver([message(0)])).rejects.toBe(exhausted);
    expect(transport.deadLetterFailures()).toEqual({ withoutEnvelope: 0, notRecorded: 0, notCopied: 0 });
  });
});

describe('KafkaTransport.caughtUp', () => {
  it('resolves once the messages in the assigned partitions at the join have been handled', async () => {
    const kafka = fakeKafka({ committed: 1, high: 3 });
    const { transport } = await startedTransport(async () => undefined, kafka);
    let caughtUp = false;
    void transport.caughtUp().then(() => (caughtUp = true));

    kafka.join();
    await kafka.deliver([message(1)]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(caughtUp).toBe(false);
    await kafka.deliver([message(2)]);
    await transport.caughtUp();
  });

  it('resolves at the join when the group has committed everything', async () => {
    const kafka = fakeKafka({ committed: 5, high: 5 });
    const { transport } = await startedTransport(async () => undefined, kafka);

    kafka.join();
    await transport.caughtUp();
  });
});
