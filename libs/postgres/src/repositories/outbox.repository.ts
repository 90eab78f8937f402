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
  /** Claimers of the same table serialise on this advisory lock key (see `claim`). */
  private readonly claimLockKey: number;

  constructor(
    private readonly dataSource: DataSource,
    readonly table: 'baton_outbox' | 'participant_outbox',
  ) {
    this.claimLockKey = table === 'baton_outbox' ? 7_301_001 : 7_301_002;
  }

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
   * Leases up to `limit` unpublished rows for `leaseMs`, oldest first. The
   * lease is committed at once, so publishing happens outside any
   * transaction and a relay that dies only delays its rows until the lease
   * runs out. A row is not claimed while an older row of the same saga is
   * leased (being published, or backing off after a failure), so one saga's
   * messages go out in the order they were written. The advisory lock makes
   * concurrent claimers take turns, which that check needs to be exact; SKIP
   * LOCKED keeps a claim from waiting on a row another relay is marking
   * published. Uses the partial indexes on unpublished rows.
   */
  async claim(limit: number, leaseMs: number): Promise<OutboxRow[]> {
    return this.dataSource.transaction(async (tx) => {
      await sql(tx, `SELECT pg_advisory_xact_lock($1)`, [this.claimLockKey]);
      const { rows } = await sql<OutboxRow>(
        tx,
        `UPDATE ${this.table} AS o
            SET locked_until = clock_timestamp() + make_interval(secs => $2::double precision / 1000),
                attempts = o.attempts + 1
          WHERE o.id IN (
                SELECT c.id FROM ${this.table} AS c
                 WHERE c.published_at IS NULL
                   AND (c.locked_until IS NULL OR c.locked_until < clock_timestamp())
                   AND NOT EXISTS (
                         SELECT 1 FROM ${this.table} AS e
                          WHERE e.saga_id = c.saga_id AND e.published_at IS NULL AND e.id < c.id
                            AND e.locked_until >= clock_timestamp())
                 ORDER BY c.id
                 LIMIT $1
                   FOR UPDATE SKIP LOCKED)
        RETURNING o.id, o.topic, o.saga_id AS "sagaId", o.envelope, o.attempts`,
        [limit, leaseMs],
      );
      return rows.sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)));
    });
  }

  async markPublished(ids: readonly string[]): Promise<void> {
    if (!ids.length) return;
    await this.dataSource.query(
      `UPDATE ${this.table} SET published_at = now(), locked_until = NULL, last_error = NULL WHERE id = ANY($1::bigint[])`,
      [ids],
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
