// GET /sagas/events read with fetch, not EventSource: EventSource cannot send
// the Authorization header, and the key must not go into a URL. Reconnects
// with Last-Event-ID (the host replays what was missed, or says `reload`),
// backing off from 1 s to 15 s while the host is away.
import { apiUrl, authHeaders } from './api';

/** One committed step (GET /sagas/events, event `step`). */
export interface StepEvent {
  historyId: string;
  sagaId: string;
  name: string;
  version: number;
  status: string;
  state: unknown;
  input: { kind: string; type: string; actor: string };
  at: string;
}

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'offline';

export interface LiveHandlers {
  onStep(event: StepEvent): void;
  /** Events were missed beyond what the host replays (or this client was dropped): read the view again. */
  onReload(): void;
  onStatus(status: LiveStatus, detail?: string): void;
}

const FIRST_DELAY_MS = 1000;
const LONGEST_DELAY_MS = 15_000;

export class LiveStream {
  private controller?: AbortController;
  private lastEventId?: string;
  private delay = FIRST_DELAY_MS;
  private timer?: ReturnType<typeof setTimeout>;
  private closed = false;

  constructor(
    private readonly filter: { id?: string; name?: string },
    private readonly handlers: LiveHandlers,
  ) {}

  start(): void {
    this.closed = false;
    void this.connect('connecting');
  }

  /** Connects again at once (the "reconnect" button). */
  reconnect(): void {
    clearTimeout(this.timer);
    this.controller?.abort();
    this.delay = FIRST_DELAY_MS;
    void this.connect('connecting');
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.controller?.abort();
  }

  private async connect(status: LiveStatus): Promise<void> {
    if (this.closed) return;
    this.handlers.onStatus(status);
    const controller = new AbortController();
    this.controller = controller;
    const params = new URLSearchParams();
    if (this.filter.id) params.set('id', this.filter.id);
    if (this.filter.name) params.set('name', this.filter.name);
    const headers: Record<string, string> = { accept: 'text/event-stream', ...authHeaders() };
    if (this.lastEventId) headers['last-event-id'] = this.lastEventId;
    let why = 'the stream ended';
    try {
      const response = await fetch(apiUrl(`/sagas/events${params.size ? `?${params}` : ''}`), { headers, signal: controller.signal, cache: 'no-store' });
      if (!response.ok || !response.body) {
        why = `the host answered ${response.status}`;
        // A key that is refused will be refused again: stay offline until the key changes.
        if (response.status === 401 || response.status === 403) {
          this.handlers.onStatus('offline', `${why}: give a key that may read`);
          return;
        }
      } else {
        this.handlers.onStatus('live');
        this.delay = FIRST_DELAY_MS;
        await this.read(response.body);
      }
    } catch (error) {
      if (controller.signal.aborted) return;
      why = error instanceof Error ? error.message : String(error);
    }
    if (this.closed || controller.signal.aborted) return;
    this.handlers.onStatus('reconnecting', why);
    this.timer = setTimeout(() => void this.connect('reconnecting'), this.delay);
    this.delay = Math.min(this.delay * 2, LONGEST_DELAY_MS);
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
        this.dispatch(block);
      }
    }
  }

  private dispatch(block: string): void {
    let event = 'message';
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (!line || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'id') id = value;
      else if (field === 'data') data.push(value);
    }
    if (id) this.lastEventId = id;
    if (event === 'step') {
      try {
        this.handlers.onStep(JSON.parse(data.join('\n')) as StepEvent);
      } catch {
        // A malformed event is skipped; the next one carries on.
      }
    } else if (event === 'reload' || event === 'dropped') {
      if (event === 'dropped') this.lastEventId = undefined;
      this.handlers.onReload();
    }
  }
}
