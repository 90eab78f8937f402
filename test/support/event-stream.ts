import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { eventually } from './orders';

/** One parsed Server-Sent Event, or a comment (`comment` set). */
export interface StreamEvent {
  id?: string;
  event?: string;
  data?: string;
  retry?: string;
  comment?: string;
}

/**
 * A raw GET /sagas/events reader over node:http, as a console would read a
 * streaming fetch body: keeps every event and comment it parsed.
 */
export class EventStream {
  readonly events: StreamEvent[] = [];
  ended = false;
  private buffer = '';

  private constructor(
    readonly response: IncomingMessage,
    private readonly abort: () => void,
  ) {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => this.parse(chunk));
    response.on('end', () => (this.ended = true));
    response.on('close', () => (this.ended = true));
    response.on('error', () => (this.ended = true));
  }

  static open(server: Server, path: string, headers: Record<string, string> = {}): Promise<EventStream> {
    const { port } = server.address() as AddressInfo;
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path, headers: { Accept: 'text/event-stream', ...headers } }, (response) =>
        resolve(new EventStream(response, () => req.destroy())),
      );
      req.on('error', reject);
      req.end();
    });
  }

  /** The `step` events' data. */
  get steps(): Array<Record<string, any> & { historyId: string; sagaId: string; status: string }> {
    return this.events.filter((e) => e.event === 'step').map((e) => JSON.parse(e.data!));
  }

  /** Waits until `probe` answers something, generously. */
  until<T>(probe: (stream: EventStream) => T | undefined | false, what: string, timeoutMs = 60_000): Promise<T> {
    return eventually(async () => probe(this) || undefined, timeoutMs, what);
  }

  close(): void {
    this.abort();
  }

  private parse(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const event: StreamEvent = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) event.comment = line.slice(1).trim();
        else {
          const colon = line.indexOf(':');
          const field = line.slice(0, colon) as 'id' | 'event' | 'data' | 'retry';
          event[field] = line.slice(colon + 1).replace(/^ /, '');
        }
      }
      this.events.push(event);
    }
  }
}
