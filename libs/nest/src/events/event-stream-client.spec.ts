import { EventEmitter } from 'node:events';
import type { CommittedStep } from '@baton/postgres';
import { EventStreamClient, type EventSink } from './event-stream-client';

/** A socket that takes `accepts` chunks, then pushes back until `drain()`. */
class FakeSink extends EventEmitter implements EventSink {
  readonly written: string[] = [];
  ended = false;

  constructor(private accepts: number) {
    super();
  }

  write(chunk: string): boolean {
    this.written.push(chunk);
    return --this.accepts > 0;
  }

  end(): void {
    this.ended = true;
    this.emit('close');
  }

  drain(accepts: number): void {
    this.accepts = accepts;
    this.emit('drain');
  }
}

const step = (id: number, sagaId = 'a', sagaName = 'order'): CommittedStep => ({
  id: String(id),
  sagaId,
  sagaName,
  definitionVersion: 1,
  kind: 'message',
  eventType: 'Done',
  status: 'running',
  toState: 'x',
  actor: 'test',
  at: new Date(0),
});

describe('EventStreamClient', () => {
  it('queues while the socket pushes back and sends the queue, in order, on drain', () => {
    const sink = new FakeSink(1);
    const client = new EventStreamClient(sink, {}, 10, () => undefined);
    client.replayed(undefined);
    for (let id = 1; id <= 4; id++) client.step(step(id));
    expect(sink.written).toHaveLength(1);
    sink.drain(100);
    expect(sink.written.map((chunk) => /^id: (\d+)/.exec(chunk)?.[1])).toEqual(['1', '2', '3', '4']);
  });

  it('drops a client with more than maxQueued events waiting, with a final event, and holds nothing more', () => {
    const sink = new FakeSink(1);
    const closed: EventStreamClient[] = [];
    const client = new EventStreamClient(sink, {}, 3, (gone) => closed.push(gone));
    client.replayed(undefined);
    for (let id = 1; id <= 100; id++) client.step(step(id));
    expect(sink.ended).toBe(true);
    expect(closed).toEqual([client]);
    expect(sink.written.at(-1)).toMatch(/^event: dropped\n/);
    // The first went out, three waited, the fifth dropped the client: nothing else was kept or written.
    expect(sink.written).toHaveLength(2);
    client.step(step(101));
    expect(sink.written).toHaveLength(2);
  });

  it('holds live events during a replay and then sends those it did not cover, by filter, in id order', () => {
    const sink = new FakeSink(1000);
    const client = new EventStreamClient(sink, { ids: ['a'], name: 'order' }, 10, () => undefined);
    client.step(step(5));
    client.step(step(3));
    client.step(step(4, 'b'));
    client.step(step(6, 'a', 'other'));
    client.step(step(7));
    client.replayed('3');
    // Live after the replay: a lower id may commit after a higher one, and is still sent.
    client.step(step(6));
    expect(sink.written.map((chunk) => /^id: (\d+)/.exec(chunk)?.[1])).toEqual(['5', '7', '6']);
  });
});
