import { Client } from 'pg';
import { consoleLogger, type BatonLogger } from '@baton/core';

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
  /** Since when the connection is lost, and how many reconnects failed, until one succeeds. */
  private lost?: { since: number; attempts: number };

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly onNotify: () => void,
    private readonly logger: BatonLogger = consoleLogger,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    const client = new Client({ connectionString: this.url, application_name: 'baton-listener' });
    client.on('notification', () => this.onNotify());
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
    const lost = (this.lost ??= { since: Date.now(), attempts: 0 });
    const pause = Math.min(RECONNECT_MAX_MS, RECONNECT_FIRST_MS * 2 ** lost.attempts++);
    if (lost.attempts === 1) {
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
    if (!this.lost) return;
    const { since, attempts } = this.lost;
    this.lost = undefined;
    this.logger.log(`LISTEN ${this.channel} is connected again, after ${attempts} attempt(s) over ${((Date.now() - since) / 1000).toFixed(1)} s.`);
  }
}
