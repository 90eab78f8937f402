import { BatchQueue, consoleLogger, logContextOf, withLogContext, type BatonLogger, type Transport, errorMessage } from '@baton/core';
import type { OutboxRepository, OutboxRow, OutboxWritten } from '../repositories/outbox.repository';
import { SpanKind, currentTraceCarrierOr, inSpan } from '@baton/tracing';
import { PollingLoop } from './polling-loop';

/** Options of an OutboxRelay. */
export interface OutboxRelayOptions {
  /** Rows claimed per round. @default 100 */
  batchSize?: number;
  /** How long a claim holds rows before another relay may take them: after a crash, what the dead relay had claimed goes out when this runs out. @default 5000 */
  leaseMs?: number;
  /** Pause when the outbox is empty and nothing wakes the relay. @default 1000 */
  idleMs?: number;
  /** Sagas published at once (each saga's messages to one topic go one after another). @default 100 */
  concurrency?: number;
  /**
   * Rounds (claim, publish, mark) in flight at once: while one batch is being
   * published the next can be claimed. A saga's rows still go out in order
   * (a claim skips the rows of a saga with an older row leased). @default 2
   */
  rounds?: number;
  /**
   * Batches of handed-over rows (see `handOff`) being published at once. On
   * the in-process transport a publish lasts until the consumer committed,
   * so more batches in flight keep commands from queueing behind a slow one. @default 8
   */
  handOffBatches?: number;
  /** Backoff after a failed publish: first delay, doubled per attempt up to `maxRetryDelayMs`. @default 200 */
  retryDelayMs?: number;
  /** The longest backoff after failed publishes. @default 30000 */
  maxRetryDelayMs?: number;
  /** Where the relay logs failed publishes and outages. @default the console */
  logger?: BatonLogger;
  /** The relay's name in its log lines. @default `outbox relay (<table>)` */
  name?: string;
}

/**
 * What a writer needs of its relay: rows it wrote already leased (see
 * OutboxRepository.addInsert) are handed over after the commit and
 * published at once; for rows left to a claim, the relay is woken.
 */
export interface OutboxHandoff {
  /** How long a row written for hand-off stays leased: if this process dies, another relay publishes it after that. */
  readonly leaseMs: number;
  /** Rows just committed and leased to this relay: published at once, without a claim. */
  handOff(rows: readonly OutboxRow[]): void;
  /** Rows were committed that wait for a claim. */
  wake(): void;
}

/**
 * What a writer does once its transaction committed: the rows leased to its
 * relay are handed over to be published at once, and the relay is woken for
 * the rest. Without a relay (a process that only writes) relays elsewhere
 * claim them.
 */
export function afterCommit(relay: OutboxHandoff | undefined, written: OutboxWritten): void {
  if (written.leased.length) relay?.handOff(written.leased);
  if (written.unleased) relay?.wake();
}

/**
 * Publishes committed outbox rows through the transport, by two paths. Rows
 * its own process wrote are handed over right after their commit, already
 * leased, and published without a claim. Every other row (written behind
 * an older unpublished row of its saga, left by a relay that died, backing
 * off after a failed publish, written by another replica) is claimed by a
 * polling loop, woken when such rows are committed (NOTIFY) and after a
 * publish that unblocked a saga. Either way each saga's rows from one
 * sender to a topic go out in order (the rest in parallel), are marked
 * published, or backed off.
 */
export class OutboxRelay implements OutboxHandoff {
  private readonly loop: PollingLoop;
  private readonly handedOver: BatchQueue<OutboxRow, void>;
  private readonly options: Required<Omit<OutboxRelayOptions, 'logger' | 'name'>>;
  private readonly logger: BatonLogger;
  private running = false;
  /** A claim left rows behind an older row of their saga: claim again once something was published. */
  private blocked = false;

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
      handOffBatches: options.handOffBatches ?? 8,
      retryDelayMs: options.retryDelayMs ?? 200,
      maxRetryDelayMs: options.maxRetryDelayMs ?? 30_000,
    };
    this.logger = options.logger ?? consoleLogger;
    this.loop = new PollingLoop(() => this.claimRound(), {
      name: options.name ?? `outbox relay (${outbox.table})`,
      idleMs: this.options.idleMs,
      concurrency: this.options.rounds,
      logger: this.logger,
    });
    this.handedOver = new BatchQueue<OutboxRow, void>(
      async (rows) => {
        try {
          await this.publishRows(rows);
        } catch (error) {
          // Marking or backing off failed (the database is gone, say): the rows stay leased, and a claim retries them once the lease has run out.
          this.logger.warn(`Publishing ${rows.length} handed-over rows failed, a claim will retry them after the lease: ${errorMessage(error)}`);
        }
        return rows.map(() => ({ ok: true, value: undefined }));
      },
      { maxBatchSize: this.options.batchSize, concurrency: this.options.handOffBatches, keyOf: orderKey },
    );
  }

  get leaseMs(): number {
    return this.options.leaseMs;
  }

  start(): void {
    this.running = true;
    this.loop.start();
  }

  wake(): void {
    this.loop.wake();
  }

  handOff(rows: readonly OutboxRow[]): void {
    // Stopped: the rows stay leased, and a relay claims them once the lease has run out.
    if (!this.running) return;
    for (const row of rows) void this.handedOver.push(row);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop.stop();
    await this.handedOver.idle();
  }

  /**
   * A producer span, child of the step that wrote the row (its stored trace
   * context); the message carries the producer span on, to its consumer.
   */
  private publishInSpan(row: OutboxRow): Promise<void> {
    const { envelope } = row;
    const attributes = { 'saga.id': envelope.sagaId, 'saga.name': envelope.sagaName, 'message.type': envelope.type, 'messaging.destination': row.topic };
    return inSpan(`publish ${envelope.type}`, { kind: SpanKind.PRODUCER, parent: envelope, attributes }, () =>
      this.transport.publish(row.topic, { ...envelope, ...currentTraceCarrierOr(envelope) }),
    );
  }

  /** One claim round: returns how many rows were published. */
  async publishBatch(): Promise<number> {
    return (await this.claimRound()).workDone;
  }

  /** A claim round for the polling loop: what it published, and when a lease held now runs out (so a claim is due again). */
  private async claimRound(): Promise<{ workDone: number; nextInMs?: number }> {
    const { rows, blocked, nextLeaseEndsInMs } = await this.outbox.claim(this.options.batchSize, this.options.leaseMs);
    if (blocked) this.blocked = true;
    return { workDone: rows.length ? await this.publishRows(rows) : 0, nextInMs: nextLeaseEndsInMs };
  }

  /**
   * Publishes leased rows, each saga's rows to one topic in order, the rest
   * side by side; marks what went out and backs off what failed.
   */
  private async publishRows(rows: readonly OutboxRow[]): Promise<number> {
    const bySaga = new Map<string, OutboxRow[]>();
    for (const row of rows) {
      const group = bySaga.get(orderKey(row));
      if (group) group.push(row);
      else bySaga.set(orderKey(row), [row]);
    }

    const published: string[] = [];
    const publishedAt: Date[] = [];
    const untried: string[] = [];
    let backedOff = false;
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
            const reason = errorMessage(error);
            withLogContext(logContextOf(row.envelope), () => this.logger.warn(
              `Publishing ${row.envelope.type} ${row.envelope.messageId} of saga ${row.sagaId} to ${row.topic} failed ` +
                `(attempt ${row.attempts}), retrying in ${delay} ms: ${reason}`,
            ));
            await this.outbox.backOff(row.id, delay, reason);
            backedOff = true;
            // The saga's later rows to this topic wait behind this one, to keep their order.
            untried.push(...group.slice(i + 1).map((r) => r.id));
            break;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, queue.length) }, worker));
    await this.outbox.markPublished(published, publishedAt);
    await this.outbox.release(untried);
    // A saga may have been waiting on what went out; what backed off is the claims' to retry, at its time.
    if ((this.blocked && published.length) || backedOff) {
      this.blocked = false;
      this.loop.wake();
    }
    return published.length;
  }
}

/** The rows that must go out in the order they were written: one saga's from one sender to one topic. */
function orderKey(row: OutboxRow): string {
  return `${row.sagaId} ${row.sender} ${row.topic}`;
}

