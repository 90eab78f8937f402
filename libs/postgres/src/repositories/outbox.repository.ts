import type { DataSource, EntityManager } from 'typeorm';
import type { MessageEnvelope } from '@baton/core';
import { sql, sqlMarkingDeadEntries } from '../sql';
import type { WriteStatement } from '../write-statement';

/** An unpublished outbox row leased to a relay: what it publishes. */
export interface OutboxRow {
  id: string;
  topic: string;
  sagaId: string;
  /** Who wrote it ('' for the orchestrator, the participant's name for a reply): order is kept per saga, sender and topic. */
  sender: string;
  envelope: MessageEnvelope;
  attempts: number;
}

/** The unpublished rows of an outbox: how many, and how long the oldest has waited. */
export interface OutboxBacklog {
  count: number;
  oldestAgeMs: number;
}

/** A message to write to the outbox. */
export interface NewOutboxMessage {
  topic: string;
  envelope: MessageEnvelope;
}

/** The column `addInsert` adds to its statement's result row: the rows it inserted. */
export type OutboxInsertResult = {
  outbox?: Array<{ id: string; sender: string; leased: boolean }> | null;
};

/** What an outbox write left to do after its commit. */
export interface OutboxWritten {
  /** Rows leased to the writer's relay by the insert itself: it publishes them at once (see OutboxRelay.handOff). */
  leased: OutboxRow[];
  /** Rows that wait for a relay's claim (an older row of their saga was still unpublished). */
  unleased: number;
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

  /**
   * Adds to `statement` the INSERT that writes `messages`, in order: ids
   * follow the order of the array, and so does publishing. `sender`: who
   * writes them ('' for the orchestrator, the participant's name for its
   * replies); order is kept among one saga's rows of one sender to one
   * topic. With `leaseMs`, a row with no older unpublished row of its saga,
   * sender and topic is written already leased to the writer's relay, as if
   * claimed: its process publishes it right after the commit, without a
   * claim (OutboxRelay.handOff). A row behind an older unpublished one is
   * left to the relays' claims, which keep the order (see `claim`), and the
   * statement then NOTIFYs the relays listening in every replica, delivered
   * at commit. Read what was written with `written`.
   *
   * The older row is looked up per message, on the index (saga_id, id) of
   * unpublished rows, by a scalar subquery. As NOT EXISTS, Postgres may
   * plan it as one hashed scan of every unpublished row on the (id) index
   * instead, entries of rows published since the last vacuum included:
   * 1300 buffers per statement in the benchmark, against 2. `OFFSET 0`
   * keeps the subquery whole: pulled up, it would run once for each of the
   * two columns that read `leased`.
   */
  addInsert(statement: WriteStatement, messages: readonly NewOutboxMessage[], leaseMs: number | undefined, sender = ''): void {
    if (!messages.length) return;
    const rows = statement.param(
      JSON.stringify(
        messages.map(({ topic, envelope }) => ({ message_id: envelope.messageId, saga_id: envelope.sagaId, topic, message_type: envelope.type, envelope })),
      ),
    );
    const lease = statement.param(leaseMs ?? null);
    const from = statement.param(sender);
    statement
      .with(
        'outbox_rows',
        `INSERT INTO ${this.table} (message_id, saga_id, topic, sender, message_type, envelope, locked_until, attempts)
        SELECT v.message_id, v.saga_id, v.topic, ${from}, v.message_type, v.envelope,
               CASE WHEN l.leased THEN now() + make_interval(secs => ${lease}::double precision / 1000) END,
               CASE WHEN l.leased THEN 1 ELSE 0 END
          FROM ROWS FROM (jsonb_to_recordset(${rows}::jsonb)
               AS (message_id uuid, saga_id uuid, topic text, message_type text, envelope jsonb))
               WITH ORDINALITY AS v(message_id, saga_id, topic, message_type, envelope, n)
         CROSS JOIN LATERAL (
               SELECT ${lease}::double precision IS NOT NULL AND (
                        SELECT e.id FROM ${this.table} AS e
                         WHERE e.saga_id = v.saga_id AND e.topic = v.topic AND e.sender = ${from} AND e.published_at IS NULL
                         LIMIT 1) IS NULL AS leased
               OFFSET 0) AS l
         ORDER BY v.n
        RETURNING id::text AS id, sender, locked_until IS NOT NULL AS leased`,
      )
      .select(`(SELECT json_agg(outbox_rows) FROM outbox_rows) AS outbox`)
      .select(`(SELECT count(pg_notify('${this.table}', '')) FROM (SELECT 1 FROM outbox_rows WHERE NOT leased LIMIT 1) AS waiting) AS notified`);
  }

  /** What a statement with `addInsert` wrote (`row`: its result row), paired with the messages. */
  written(messages: readonly NewOutboxMessage[], row: OutboxInsertResult | undefined): OutboxWritten {
    if (!messages.length) return { leased: [], unleased: 0 };
    const rows = [...(row?.outbox ?? [])].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
    if (rows.length !== messages.length) throw new Error(`Outbox: ${messages.length} messages written, ${rows.length} rows returned.`);
    const leased = rows.flatMap((row, i) =>
      row.leased
        ? [{ id: row.id, topic: messages[i].topic, sagaId: messages[i].envelope.sagaId, sender: row.sender, envelope: messages[i].envelope, attempts: 1 }]
        : [],
    );
    return { leased, unleased: rows.length - leased.length };
  }

  /**
   * Leases up to `limit` unpublished rows for `leaseMs`, oldest first, in one
   * statement (its own transaction). The lease is committed at once, so
   * publishing happens outside any transaction and a relay that dies only
   * delays its rows until the lease runs out.
   *
   * One saga's messages from one sender to a topic go out in the order they
   * were written (the order its consumer sees: on Kafka, the saga's
   * partition keeps it; across topics, and between two senders, there is no
   * order to keep): a row is claimed only if every older unpublished row of
   * its saga, sender and topic is claimed with it. An older row leased by
   * another relay (being published, or backing off after a failure) holds
   * the saga's later rows back, and so does one that another claim has
   * just locked (its UPDATE has not committed, so it still reads as
   * unpublished). That is exact for any number of concurrent
   * claimers without making them take turns; SKIP LOCKED keeps a claim from
   * waiting on rows another one is taking or marking published. Uses the
   * partial indexes on unpublished rows: (id) for the oldest first, (saga_id,
   * id) for the older rows of a saga. `blocked`: rows due for publishing that
   * this claim had to leave, behind an older row of their saga.
   * `nextLeaseEndsInMs`: when the earliest lease of an unpublished row runs
   * out (a relay died, a failed publish backs off), if any does.
   *
   * Every row published since the table was last vacuumed leaves a dead
   * entry in the index of unpublished rows, so the claim runs with bitmap
   * scans off (sqlMarkingDeadEntries): in the benchmark a bitmap scan read
   * 1000 to 1600 buffers a claim, 3.6 to 6.1 ms, growing until the next
   * vacuum.
   */
  async claim(limit: number, leaseMs: number): Promise<{ rows: OutboxRow[]; blocked: number; nextLeaseEndsInMs?: number }> {
    const { rows } = await sqlMarkingDeadEntries<{ candidates: number; claimed: OutboxRow[] | null; next_lease_end_ms: number | null }>(
      this.dataSource.manager,
      `WITH candidate AS (
         SELECT id, saga_id, topic, sender FROM ${this.table}
          WHERE published_at IS NULL AND (locked_until IS NULL OR locked_until < now())
          ORDER BY id
          LIMIT $1
            FOR UPDATE SKIP LOCKED),
       claimable AS (
         SELECT c.id FROM candidate AS c
          WHERE NOT EXISTS (
                SELECT 1 FROM ${this.table} AS e
                 WHERE e.saga_id = c.saga_id AND e.topic = c.topic AND e.sender = c.sender AND e.published_at IS NULL AND e.id < c.id
                   AND e.id NOT IN (SELECT id FROM candidate))),
       claimed AS (
         UPDATE ${this.table} AS o
            SET locked_until = now() + make_interval(secs => $2::double precision / 1000),
                attempts = o.attempts + 1
           FROM claimable
          WHERE o.id = claimable.id
         RETURNING o.id::text AS id, o.topic, o.saga_id AS "sagaId", o.sender, o.envelope, o.attempts)
       SELECT (SELECT count(*) FROM candidate)::int AS candidates, (SELECT json_agg(claimed) FROM claimed) AS claimed,
              (SELECT EXTRACT(EPOCH FROM min(locked_until) - now()) * 1000 FROM ${this.table}
                WHERE published_at IS NULL AND locked_until >= now())::float8 AS next_lease_end_ms`,
      [limit, leaseMs],
    );
    const claimed = (rows[0].claimed ?? []).sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
    const next = rows[0].next_lease_end_ms;
    return { rows: claimed, blocked: rows[0].candidates - claimed.length, ...(next == null ? {} : { nextLeaseEndsInMs: Math.max(1, Math.ceil(next)) }) };
  }

  /** Marks rows published, each at the moment the broker (or in-process consumer) accepted it. */
  async markPublished(ids: readonly string[], at: readonly Date[]): Promise<void> {
    if (!ids.length) return;
    await sql(
      this.dataSource.manager,
      `UPDATE ${this.table} AS o SET published_at = v.at, locked_until = NULL, last_error = NULL
         FROM unnest($1::bigint[], $2::timestamptz[]) AS v(id, at)
        WHERE o.id = v.id`,
      [ids, at],
      { prepared: true },
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

  /**
   * The unpublished rows, counted on their partial index (with bitmap scans
   * off: see sqlMarkingDeadEntries), in `manager`'s transaction if it is in one.
   */
  async backlog(manager: EntityManager = this.dataSource.manager): Promise<OutboxBacklog> {
    const { rows } = await sqlMarkingDeadEntries<{ count: string; age: string | null }>(
      manager,
      `SELECT count(*) AS count, EXTRACT(EPOCH FROM (now() - min(created_at))) * 1000 AS age
         FROM ${this.table} WHERE published_at IS NULL`,
    );
    return { count: Number(rows[0].count), oldestAgeMs: rows[0].age == null ? 0 : Math.round(Number(rows[0].age)) };
  }

  /**
   * The envelope of the message written with `messageId` (a command the
   * orchestrator sent, published or not), or undefined if this outbox never
   * held it. A command sent again keeps its id: any of its rows will do, they
   * name the same saga. Index baton_outbox_message_id.
   */
  async sentMessage(messageId: string): Promise<MessageEnvelope | undefined> {
    const rows: Array<{ envelope: MessageEnvelope }> = await this.dataSource.query(
      `SELECT envelope FROM ${this.table} WHERE message_id = $1 ORDER BY id DESC LIMIT 1`,
      [messageId],
    );
    return rows[0]?.envelope;
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
