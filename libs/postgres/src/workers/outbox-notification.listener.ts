import { Client } from 'pg';
import { consoleLogger, type BatonLogger } from '@baton/core';

/**
 * LISTENs on the channel the outbox notifies when rows are committed
 * (`pg_notify('baton_outbox')` in the writing transaction), so a relay in
 * another replica wakes at once instead of at its next poll. Holds one
 * connection of its own and reconnects after losing it; the relay's poll
 * covers the gap.
 */
export class OutboxNotificationListener {
  private client?: Client;
  private stopped = false;
  private retry?: NodeJS.Timeout;

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
      this.client = client;
    } catch (error) {
      this.reconnect(client, error);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private reconnect(client: Client, error?: unknown): void {
    if (this.stopped || this.retry || (this.client && this.client !== client)) return;
    this.client = undefined;
    client.removeAllListeners();
    client.end().catch(() => undefined);
    if (error) this.logger.warn(`LISTEN ${this.channel} lost its connection, reconnecting in 1 s: ${(error as Error).message}`);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.start();
    }, 1_000);
  }
}
