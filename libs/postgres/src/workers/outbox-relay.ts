import { consoleLogger, logContextOf, withLogContext, type BatonLogger, type Transport } from '@baton/core';
import type { OutboxRepository, OutboxRow } from '../repositories/outbox.repository';
import { SpanKind, currentTraceCarrier, inSpan, type TraceCarrier } from '../tracing/saga-tracing';
import { PollingLoop } from './polling-loop';

/** The producer span's context when tracing is on; the stored one otherwise. */
function traceFields(current: TraceCarrier, stored: TraceCarrier): TraceCarrier {
  return current.traceparent ? current : { traceparent: stored.traceparent, tracestate: stored.tracestate };
}

export interface OutboxRelayOptions {
  /** Rows claimed per round. @default 100 */
  batchSize?: number;
  /** How long a claim holds rows before another relay may take them: after a crash, what the dead relay had claimed goes out when this runs out. @default 5000 */
  leaseMs?: number;
  /** Pause when the outbox is empty and nothing wakes the relay. @default 1000 */
  idleMs?: number;
  /** Sagas published at once (each saga's own messages go one after another). @default 100 */
  concurrency?: number;
  /**
   * Rounds (claim, publish, mark) in flight at once: while one batch is being
   * published the next can be claimed. A saga's rows still go out in order
   * (a claim skips the rows of a saga with an older row leased). @default 2
   */
  rounds?: number;
  /** Backoff after a failed publish: first delay, doubled per attempt up to the max. @default 200 / 30000 */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  logger?: BatonLogger;
  name?: string;
}

/**
 * Publishes committed outbox rows through the transport: claims a batch,
 * publishes each saga's rows in order (sagas in parallel), marks what went
 * out, and backs off what failed. Woken right after a step commits, so
 * latency does not wait for the poll.
 */
export class OutboxRelay {
  private readonly loop: PollingLoop;
  private readonly options: Required<Omit<OutboxRelayOptions, 'logger' | 'name'>>;
  private readonly logger: BatonLogger;

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly transport: Transport,
    options: OutboxRelayOptions = {},
  ) {
    this.options = {
      batchSize: options.batchSize ?? 100,
      leaseMs: options.leaseMs ?? 5_000,
      idleMs: options.idleMs ?? 1_000,
      concurrency: options.concurrency ?? 100,
      rounds: options.rounds ?? 2,
      retryDelayMs: options.retryDelayMs ?? 200,
      maxRetryDelayMs: options.maxRetryDelayMs ?? 30_000,
    };
    this.logger = options.logger ?? consoleLogger;
    this.loop = new PollingLoop(() => this.publishBatch(), {
      name: options.name ?? `outbox relay (${outbox.table})`,
      idleMs: this.options.idleMs,
      concurrency: this.options.rounds,
      logger: this.logger,
    });
  }

  start(): void {
    this.loop.start();
  }

  wake(): void {
    this.loop.wake();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /**
   * A producer span, child of the step that wrote the row (its stored trace
   * context); the message carries the producer span on, to its consumer.
   */
  private publishInSpan(row: OutboxRow): Promise<void> {
    const { envelope } = row;
    const attributes = { 'saga.id': envelope.sagaId, 'saga.name': envelope.sagaName, 'message.type': envelope.type, 'messaging.destination': row.topic };
    return inSpan(`publish ${envelope.type}`, { kind: SpanKind.PRODUCER, parent: envelope, attributes }, () =>
      this.transport.publish(row.topic, { ...envelope, ...traceFields(currentTraceCarrier(), envelope) }),
    );
  }

  /** One round: returns how many rows were published. */
  async publishBatch(): Promise<number> {
    const rows = await this.outbox.claim(this.options.batchSize, this.options.leaseMs);
    if (!rows.length) return 0;
    const bySaga = new Map<string, OutboxRow[]>();
    for (const row of rows) bySaga.set(row.sagaId, [...(bySaga.get(row.sagaId) ?? []), row]);

    const published: string[] = [];
    const publishedAt: Date[] = [];
    const untried: string[] = [];
    const queue = [...bySaga.values()];
    const worker = async () => {
      for (let group = queue.shift(); group; group = queue.shift()) {
        for (let i = 0; i < group.length; i++) {
          const row = group[i];
          try {
            await withLogContext(logContextOf(row.envelope), () => this.publishInSpan(row));
            published.push(row.id);
            publishedAt.push(new Date());
          } catch (error) {
            const delay = Math.min(this.options.maxRetryDelayMs, this.options.retryDelayMs * 2 ** (row.attempts - 1));
            const reason = error instanceof Error ? error.message : String(error);
            withLogContext(logContextOf(row.envelope), () => this.logger.warn(
              `Publishing ${row.envelope.type} ${row.envelope.messageId} of saga ${row.sagaId} to ${row.topic} failed ` +
                `(attempt ${row.attempts}), retrying in ${delay} ms: ${reason}`,
            ));
            await this.outbox.backOff(row.id, delay, reason);
            // The saga's later rows wait behind this one, to keep its order.
            untried.push(...group.slice(i + 1).map((r) => r.id));
            break;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, queue.length) }, worker));
    await this.outbox.markPublished(published, publishedAt);
    await this.outbox.release(untried);
    return published.length;
  }
}
