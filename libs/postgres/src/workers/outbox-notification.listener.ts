import type { Client } from 'pg';
import { consoleLogger, type BatonLogger } from '@baton/core';
import { loadOptionalPeer } from '../optional-peer';
import { FailureStreak } from './failure-streak';

/** Reconnecting: the first pause, doubled after each failed attempt up to the last. */
const RECONNECT_FIRST_MS = 1_000;
const RECONNECT_MAX_MS = 5_000;

/**
 * LISTENs on the channel the outbox notifies when rows are committed
 * (`pg_notify('baton_outbox')` in the writing transaction), so a relay in
 * another replica wakes at once instead of at its next poll. Holds one
 * connection of its own and reconnects after losing it, with a growing
 * pause while the database stays away (logged when it is lost and when it
 * is back, not at every attempt); the relay's poll covers the gap.
 */
export class OutboxNotificationListener {
  private client?: Client;
  private stopped = false;
  private retry?: NodeJS.Timeout;
  /** The connection lost and the reconnects that failed, until one succeeds. */
  private readonly lost = new FailureStreak(RECONNECT_FIRST_MS, RECONNECT_MAX_MS);

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly onNotify: (payload: string | undefined) => void,
    private readonly logger: BatonLogger = consoleLogger,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    const { Client } = await loadOptionalPeer(() => import('pg'), 'pg', 'Listening for outbox notifications on PostgreSQL');
    const client = new Client({ connectionString: this.url, application_name: 'baton-listener' });
    client.on('notification', (message) => this.onNotify(message.payload));
    client.on('error', (error) => this.reconnect(client, error));
    client.on('end', () => this.reconnect(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
      if (this.stopped) {
        await client.end().catch(() => undefined);
        return;
      }
      this.client = client;
      this.reconnected();
    } catch (error) {
      this.reconnect(client, error);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    this.retry = undefined;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private reconnect(client: Client, error?: unknown): void {
    if (this.stopped || this.retry || (this.client && this.client !== client)) return;
    this.client = undefined;
    client.removeAllListeners();
    // A late 'error' of the dead client must not go unhandled (it would end the process).
    client.on('error', () => undefined);
    client.end().catch(() => undefined);
    const { pauseMs: pause, began } = this.lost.failed();
    if (began) {
      this.logger.warn(
        `LISTEN ${this.channel} lost its connection, reconnecting in ${pause} ms and then at most every ${RECONNECT_MAX_MS} ms ` +
          `(the relay polls meanwhile): ${error instanceof Error ? error.message : 'the connection ended'}`,
      );
    }
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.start();
    }, pause);
  }

  private reconnected(): void {
    const ended = this.lost.succeeded();
    if (ended) this.logger.log(`LISTEN ${this.channel} is connected again, after ${ended.failures} attempt(s) over ${ended.seconds} s.`);
  }
}
