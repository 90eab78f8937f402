import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import { DependencyUnavailableError, PermanentMessageError, uuidv7, type MessageHandler } from '@baton/core';
import { dependencyUnavailableTest } from './dependency-outage';
import { encodeMessage } from './header-codec';
import type { Letter } from './kafka-dead-letters';
import { MessageAttempts } from './message-attempts';
import { PartitionBatchConsumer, chainsByKey } from './partition-batch';

const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };
const TOPIC = 'replies';
const PARTITION = 3;

/** One saga id per key name, so messages of a name share a Kafka key. */
const sagaIds = new Map<string, string>();
const sagaIdOf = (key: string) => sagaIds.get(key) ?? sagaIds.set(key, uuidv7()).get(key)!;

/** A Baton message at `offset` of the saga named `key`, whose payload says its offset. */
function message(offset: number, key: string): KafkaMessage {
  const encoded = encodeMessage({
    messageId: uuidv7(),
    type: 'StockReserved',
    version: 1,
    sagaId: sagaIdOf(key),
    sagaName: 'order-fulfillment',
    correlationId: 'c',
    sentAt: new Date().toISOString(),
    payload: { offset },
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

const offsetOf = (payload: unknown) => (payload as { offset: number }).offset;

/** A promise the test settles. */
function deferred() {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** A handler that holds each message until the test releases it; records what it started and finished, in `events`. */
function heldHandler(events: string[]) {
  const gates = new Map<number, ReturnType<typeof deferred>>();
  const gate = (offset: number) => gates.get(offset) ?? gates.set(offset, deferred()).get(offset)!;
  const started: number[] = [];
  const handler: MessageHandler = async ({ payload }) => {
    const offset = offsetOf(payload);
    started.push(offset);
    await gate(offset).promise;
    events.push(`handled ${offset}`);
  };
  return { handler, started, release: (offset: number) => gate(offset).resolve() };
}

/** Waits (in small steps, at most five seconds) until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  for (const began = Date.now(); !condition(); ) {
    if (Date.now() - began > 5_000) throw new Error('The condition never held');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** `promise`, or a failure when it has not settled within five seconds (a batch that never ends fails its test fast). */
function within<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('The batch did not end')), 5_000)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * A PartitionBatchConsumer over `handler`, with real MessageAttempts whose
 * dead letters go to `deadLetter`, and a kafkajs batch payload of partition 3
 * of `replies` that records what the consumer did with it in `events`.
 */
function consumerOf(
  handler: MessageHandler,
  {
    events = [] as string[],
    maxAttempts = 3,
    deadLetter = async (letter: Letter) => void events.push(`dead-lettered ${letter.message.offset}`),
    heartbeat = async () => undefined,
  } = {},
) {
  const letters: Letter[] = [];
  const reached: string[] = [];
  const consumer = new PartitionBatchConsumer({
    subscriptionOf: (topic) => {
      expect(topic).toBe(TOPIC);
      return { handler, options: { deadLetters: { record: async () => undefined } } };
    },
    attempts: new MessageAttempts(
      { maxAttempts, retryDelayMs: 1, maxRetryDelayMs: 5, isDependencyUnavailable: dependencyUnavailableTest() },
      async (letter) => {
        letters.push(letter);
        await deadLetter(letter);
      },
      silent,
    ),
    heartbeatIntervalMs: 20,
    resolved: (topic, partition, offset) => reached.push(`${topic}:${partition}@${offset}`),
  });
  const state = { running: true, stale: false };
  const consume = (messages: KafkaMessage[]) =>
    consumer.consume({
      batch: { topic: TOPIC, partition: PARTITION, messages },
      resolveOffset: (offset: string) => void events.push(`resolved ${offset}`),
      heartbeat,
      commitOffsetsIfNecessary: async () => void events.push('committed'),
      isRunning: () => state.running,
      isStale: () => state.stale,
    } as unknown as EachBatchPayload);
  const resolved = () => events.filter((e) => e.startsWith('resolved')).map((e) => e.slice('resolved '.length));
  return { consume, events, letters, reached, state, resolved };
}

describe('chainsByKey', () => {
  it('chains the messages of each key in offset order, a message without a key alone', () => {
    const keyless = { ...message(3, 'a'), key: null } as KafkaMessage;
    expect(chainsByKey([message(0, 'a'), message(1, 'b'), message(2, 'a'), keyless, message(4, 'b')])).toEqual([[0, 2], [1, 4], [3]]);
  });
});

describe('PartitionBatchConsumer offsets', () => {
  it('resolves an offset only once its handler resolved, never past an earlier message still in hand, and commits after', async () => {
    const events: string[] = [];
    const held = heldHandler(events);
    const { consume, reached } = consumerOf(held.handler, { events });

    const done = consume([message(0, 'a'), message(1, 'b'), message(2, 'c')]);
    await until(() => held.started.length === 3);
    held.release(1);
    held.release(2);
    await until(() => events.length === 2);
    expect(events).toEqual(['handled 1', 'handled 2']);

    held.release(0);
    await within(done);
    expect(events).toEqual(['handled 1', 'handled 2', 'handled 0', 'resolved 0', 'resolved 1', 'resolved 2', 'committed']);
    expect(reached).toEqual(['replies:3@0', 'replies:3@1', 'replies:3@2']);
  });

  it('handles the messages of one key in order, and of different keys side by side', async () => {
    const events: string[] = [];
    const held = heldHandler(events);
    const { consume, resolved } = consumerOf(held.handler, { events });

    const done = consume([message(0, 'a'), message(1, 'a'), message(2, 'b'), message(3, 'a')]);
    await until(() => held.started.length === 2);
    // Saga b's message started beside saga a's first; saga a's second waits for its first.
    expect(held.started).toEqual([0, 2]);

    held.release(2);
    await until(() => events.includes('handled 2'));
    expect(held.started).toEqual([0, 2]);
    expect(resolved()).toEqual([]);
    held.release(0);
    await until(() => held.started.length === 3);
    expect(held.started).toEqual([0, 2, 1]);
    expect(resolved()).toEqual(['0']);

    held.release(1);
    await until(() => held.started.length === 4);
    expect(resolved()).toEqual(['0', '1', '2']);
    held.release(3);
    await within(done);
    expect(resolved()).toEqual(['0', '1', '2', '3']);
  });
});

describe('PartitionBatchConsumer failures', () => {
  it('retries a handler that fails transiently, then resolves its offset without a dead letter', async () => {
    let calls = 0;
    const { consume, events, letters } = consumerOf(async () => {
      if (++calls < 3) throw new Error('could not serialize access');
    });

    await within(consume([message(0, 'a')]));

    expect({ calls, letters }).toEqual({ calls: 3, letters: [] });
    expect(events).toEqual(['resolved 0', 'committed']);
  });

  it('dead-letters a message still failing after its attempts, then resolves its offset', async () => {
    let calls = 0;
    const { consume, events, letters } = consumerOf(async () => Promise.reject(new Error(`failure ${++calls}`)), { maxAttempts: 4 });

    await within(consume([message(0, 'a')]));

    expect(calls).toBe(4);
    expect(letters).toEqual([expect.objectContaining({ topic: TOPIC, partition: PARTITION, attempts: 4, reason: 'failure 4' })]);
    expect(events).toEqual(['dead-lettered 0', 'resolved 0', 'committed']);
  });

  it('dead-letters a permanent failure at once, and resolves its offset only once the dead letter is kept', async () => {
    let calls = 0;
    const kept = deferred();
    const events: string[] = [];
    const { consume, letters } = consumerOf(async () => Promise.reject(new PermanentMessageError(`no such saga (${++calls})`)), {
      events,
      deadLetter: async () => {
        await kept.promise;
        events.push('dead letter kept');
      },
    });

    const done = consume([message(0, 'a')]);
    await until(() => letters.length === 1);
    expect(events).toEqual([]);
    kept.resolve();
    await within(done);

    expect(calls).toBe(1);
    expect(letters[0]).toMatchObject({ attempts: 1, reason: 'no such saga (1)', envelope: expect.objectContaining({ sagaId: sagaIdOf('a') }) });
    expect(events).toEqual(['dead letter kept', 'resolved 0', 'committed']);
  });

  it('dead-letters a malformed message without calling the handler, then moves on to the next', async () => {
    const events: string[] = [];
    const held = heldHandler(events);
    const malformed = { ...message(0, 'a'), value: Buffer.from('{not json') } as KafkaMessage;
    const { consume, letters } = consumerOf(held.handler, { events });

    const done = consume([malformed, message(1, 'a')]);
    await until(() => held.started.length === 1);
    held.release(1);
    await within(done);

    expect(held.started).toEqual([1]);
    expect(letters).toEqual([expect.objectContaining({ attempts: 1, envelope: undefined, reason: expect.stringContaining('malformed message: the value is not JSON') })]);
    expect(events).toEqual(['dead-lettered 0', 'resolved 0', 'handled 1', 'resolved 1', 'committed']);
  });

  it('does not resolve a message whose dead letter failed, nor any after it, and fails the batch once the rest is done', async () => {
    const away = new Error('the broker is away');
    const events: string[] = [];
    const { consume } = consumerOf(
      async ({ payload }) => {
        if (offsetOf(payload) === 0) throw new PermanentMessageError('malformed');
        events.push(`handled ${offsetOf(payload)}`);
      },
      { events, deadLetter: async () => Promise.reject(away) },
    );

    await expect(within(consume([message(0, 'a'), message(1, 'b')]))).rejects.toBe(away);
    expect(events).toEqual(['handled 1', 'committed']);
  });
});

describe('PartitionBatchConsumer outages and giving up', () => {
  it('waits out a dependency that is down without resolving, attempts or dead letters, and resolves once it is back', async () => {
    let down = true;
    let calls = 0;
    const { consume, events, letters } = consumerOf(async () => {
      calls++;
      if (down) throw new DependencyUnavailableError('the database', 1000);
    });

    const done = consume([message(0, 'a')]);
    // Far more tries than maxAttempts (3): an outage counts none.
    await until(() => calls >= 10);
    expect({ events, letters }).toEqual({ events: [], letters: [] });

    down = false;
    await within(done);
    expect(letters).toEqual([]);
    expect(events).toEqual(['resolved 0', 'committed']);
  });

  it('stops waiting for a dependency once the consumer stops, resolving nothing: the message comes again', async () => {
    let calls = 0;
    const { consume, events, letters, state } = consumerOf(async () => {
      calls++;
      throw new DependencyUnavailableError('the database', 1000);
    });

    const done = consume([message(0, 'a'), message(1, 'a')]);
    await until(() => calls >= 3);
    state.running = false;
    await within(done);
    const callsWhenStopped = calls;
    await new Promise((resolve) => setTimeout(resolve, 20));

    expect(calls).toBe(callsWhenStopped);
    expect({ events, letters }).toEqual({ events: ['committed'], letters: [] });
  });

  it('starts no further message once the batch is stale, and resolves only what was handled', async () => {
    const events: string[] = [];
    const held = heldHandler(events);
    const { consume, state } = consumerOf(held.handler, { events });

    const done = consume([message(0, 'a'), message(1, 'a'), message(2, 'a')]);
    await until(() => held.started.length === 1);
    state.stale = true;
    held.release(0);
    await within(done);

    expect(held.started).toEqual([0]);
    expect(events).toEqual(['handled 0', 'resolved 0', 'committed']);
  });

  it('gives the batch up when a heartbeat fails (a rebalance), commits what was resolved, and throws the heartbeat failure', async () => {
    const rebalancing = Object.assign(new Error('The group is rebalancing'), { type: 'REBALANCE_IN_PROGRESS' });
    const events: string[] = [];
    const held = heldHandler(events);
    let heartbeats = 0;
    const { consume } = consumerOf(held.handler, {
      events,
      heartbeat: async () => {
        if (++heartbeats === 2) throw rebalancing;
      },
    });

    const done = consume([message(0, 'a'), message(1, 'a')]);
    await until(() => held.started.length === 1 && heartbeats >= 2);
    // Message 0 was in hand when the heartbeat failed: its work committed, so its offset is resolved; message 1 never starts.
    held.release(0);

    await expect(within(done)).rejects.toBe(rebalancing);
    expect(held.started).toEqual([0]);
    expect(events).toEqual(['handled 0', 'resolved 0', 'committed']);
  });
});
