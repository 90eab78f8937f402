import type { DataSource, EntityManager } from 'typeorm';
import type { MessageEnvelope } from '@baton/core';
import { sql } from '../sql';

export interface OutboxRow {
  id: string;
  topic: string;
  sagaId: string;
  envelope: MessageEnvelope;
  attempts: number;
}

export interface OutboxBacklog {
  count: number;
  oldestAgeMs: number;
}

/**
 * An outbox table: the orchestrator's (`baton_outbox`) or a participant's
 * (`participant_outbox`); both have the same columns.
 */
export class OutboxRepository {
  constructor(
    private readonly dataSource: DataSource,
    readonly table: 'baton_outbox' | 'participant_outbox',
  ) {}

  /** Writes messages in the caller's transaction: they exist only if the state change that caused them commits. */
  async append(tx: EntityManager, messages: ReadonlyArray<{ topic: string; envelope: MessageEnvelope }>): Promise<void> {
    if (!messages.length) return;
    const params: unknown[] = [];
    const values = messages.map(({ topic, envelope }, i) => {
      params.push(envelope.messageId, envelope.sagaId, topic, envelope.type, JSON.stringify(envelope));
      const p = i * 5;
      return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5})`;
    });
    // One round trip: the rows, and a wake-up for relays listening on this
    // channel in every replica, delivered when the transaction commits.
    await sql(
      tx,
      `WITH written AS (
         INSERT INTO ${this.table} (message_id, saga_id, topic, message_type, envelope) VALUES ${values.join(', ')}
         RETURNING 1)
       SELECT pg_notify($${params.length + 1}, '') FROM (SELECT 1 FROM written LIMIT 1) AS any_row`,
      [...params, this.table],
    );
  }

  /**
   * Leases up to `limit` unpublished rows for `leaseMs`, oldest first, in one
   * statement (its own transaction). The lease is committed at once, so
   * publishing happens outside any transaction and a relay that dies only
   * delays its rows until the lease runs out.
   *
   * One saga's messages go out in the order they were written: a row is
   * claimed only if every older unpublished row of its saga is claimed with
   * it. An older row leased by another relay (being published, or backing
   * off after a failure) holds the saga's later rows back, and so does one
   * that another claim has just locked (its UPDATE has not committed, so it
   * still reads as unpublished). That is exact for any number of concurrent
   * claimers without making them take turns; SKIP LOCKED keeps a claim from
   * waiting on rows another one is taking or marking published. Uses the
   * partial indexes on unpublished rows: (id) for the oldest first, (saga_id,
   * id) for the older rows of a saga.
   */
  async claim(limit: number, leaseMs: number): Promise<OutboxRow[]> {
    const { rows } = await sql<OutboxRow>(
      this.dataSource.manager,
      `WITH candidate AS (
         SELECT id, saga_id FROM ${this.table}
          WHERE published_at IS NULL AND (locked_until IS NULL OR locked_until < now())
          ORDER BY id
          LIMIT $1
            FOR UPDATE SKIP LOCKED),
       claimable AS (
         SELECT c.id FROM candidate AS c
          WHERE NOT EXISTS (
                SELECT 1 FROM ${this.table} AS e
                 WHERE e.saga_id = c.saga_id AND e.published_at IS NULL AND e.id < c.id
                   AND e.id NOT IN (SELECT id FROM candidate)))
       UPDATE ${this.table} AS o
          SET locked_until = now() + make_interval(secs => $2::double precision / 1000),
              attempts = o.attempts + 1
         FROM claimable
        WHERE o.id = claimable.id
       RETURNING o.id, o.topic, o.saga_id AS "sagaId", o.envelope, o.attempts`,
      [limit, leaseMs],
    );
    return rows.sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)));
  }

  /** Marks rows published, each at the moment the broker (or in-process consumer) accepted it. */
  async markPublished(ids: readonly string[], at: readonly Date[]): Promise<void> {
    if (!ids.length) return;
    await this.dataSource.query(
      `UPDATE ${this.table} AS o SET published_at = v.at, locked_until = NULL, last_error = NULL
         FROM unnest($1::bigint[], $2::timestamptz[]) AS v(id, at)
        WHERE o.id = v.id`,
      [ids, at],
    );
  }

  /** After a failed publish: keep the row unpublished and leased until the backoff has passed. */
  async backOff(id: string, delayMs: number, error: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE ${this.table}
          SET locked_until = clock_timestamp() + make_interval(secs => $2::double precision / 1000), last_error = $3
        WHERE id = $1`,
      [id, delayMs, error.slice(0, 2000)],
    );
  }

  /** Gives a leased row back without counting an attempt (it was never tried). */
  async release(ids: readonly string[]): Promise<void> {
    if (!ids.length) return;
    await this.dataSource.query(
      `UPDATE ${this.table} SET locked_until = NULL, attempts = attempts - 1 WHERE id = ANY($1::bigint[])`,
      [ids],
    );
  }

  async backlog(): Promise<OutboxBacklog> {
    const rows: Array<{ count: string; age: string | null }> = await this.dataSource.query(
      `SELECT count(*) AS count, EXTRACT(EPOCH FROM (now() - min(created_at))) * 1000 AS age
         FROM ${this.table} WHERE published_at IS NULL`,
    );
    return { count: Number(rows[0].count), oldestAgeMs: rows[0].age == null ? 0 : Math.round(Number(rows[0].age)) };
  }

  /** Removes published rows older than `olderThanMs` (they are only kept for inspection). */
  async prunePublished(olderThanMs: number): Promise<number> {
    const result = await this.dataSource.query(
      `DELETE FROM ${this.table}
        WHERE published_at < now() - make_interval(secs => $1::double precision / 1000)`,
      [olderThanMs],
    );
    return Array.isArray(result) ? Number(result[1] ?? 0) : 0;
  }
}
