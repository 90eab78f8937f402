import type { CommittedStep, CommittedStepFilter } from '@baton/postgres';

/** Where a client's events go: an HTTP response, or a stand-in in a unit test. */
export interface EventSink {
  write(chunk: string): boolean;
  end(): void;
  once(event: 'drain' | 'close', listener: () => void): unknown;
}

/** One committed step as an SSE event: `id:` the history row id, `event: step`, `data:` JSON. */
export function stepEvent(step: CommittedStep): string {
  const data = {
    historyId: step.id,
    sagaId: step.sagaId,
    name: step.sagaName,
    version: step.definitionVersion,
    status: step.status,
    state: step.toState,
    input: { kind: step.kind, type: step.eventType, actor: step.actor },
    at: step.at instanceof Date ? step.at.toISOString() : step.at,
  };
  return `id: ${step.id}\nevent: step\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A named event without an id (it moves no cursor). */
export function controlEvent(name: string, data: Record<string, unknown>): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * One subscriber. Writes go straight to the socket while it takes them;
 * once it pushes back, events wait in a queue flushed on `drain`. More than
 * `maxQueued` waiting drops the client: a final `dropped` event and the end
 * of the stream, so a slow client never grows memory without bound.
 */
export class EventStreamClient {
  private readonly queue: string[] = [];
  private blocked = false;
  private closed = false;
  /** Live events held while the missed ones are replayed (see `replayed`). */
  private held?: CommittedStep[] = [];
  /** The last id the replay covered: a held live event at or below it was replayed already. */
  private replayedThrough = 0n;

  constructor(
    private readonly sink: EventSink,
    readonly filter: CommittedStepFilter,
    private readonly maxQueued: number,
    private readonly onClose: (client: EventStreamClient) => void,
  ) {
    sink.once('close', () => this.close());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  wants(step: CommittedStep): boolean {
    if (this.filter.ids?.length && !this.filter.ids.includes(step.sagaId)) return false;
    return this.filter.name === undefined || this.filter.name === step.sagaName;
  }

  /** A committed step: sent, or held until the replay is done. */
  step(step: CommittedStep): void {
    if (this.closed || !this.wants(step)) return;
    if (this.held) {
      this.held.push(step);
      return;
    }
    // Not a cursor for live events: ids are taken as rows are inserted, and transactions commit in any order.
    if (BigInt(step.id) <= this.replayedThrough) return;
    this.send(stepEvent(step));
  }

  /** The replay is done (`lastId`: the last id it covered): live events held meanwhile follow, but those it sent. */
  replayed(lastId: string | undefined): void {
    if (lastId !== undefined) this.replayedThrough = BigInt(lastId);
    const held = this.held ?? [];
    this.held = undefined;
    for (const step of held.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1))) this.step(step);
  }

  send(chunk: string): void {
    if (this.closed) return;
    if (this.blocked) {
      if (this.queue.length >= this.maxQueued) {
        this.finish(controlEvent('dropped', { reason: 'too-slow', detail: `More than ${this.maxQueued} events were waiting for this client.` }));
        return;
      }
      this.queue.push(chunk);
      return;
    }
    if (!this.sink.write(chunk)) this.waitForDrain();
  }

  /** Ends the stream after a last chunk. */
  finish(last?: string): void {
    if (this.closed) return;
    if (last) this.sink.write(last);
    this.sink.end();
    this.close();
  }

  private waitForDrain(): void {
    this.blocked = true;
    this.sink.once('drain', () => {
      this.blocked = false;
      while (this.queue.length && !this.closed) {
        if (!this.sink.write(this.queue.shift()!)) {
          this.waitForDrain();
          return;
        }
      }
    });
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.onClose(this);
  }
}
