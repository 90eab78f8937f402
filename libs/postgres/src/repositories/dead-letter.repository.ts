import type { DataSource, EntityManager } from 'typeorm';
import { storableText, type DeadLetter, type DeadLetterSink, type RawMessage } from '@baton/core';
import { DeadLetterEntity } from '../entities/dead-letter.entity';
import { sql } from '../sql';

/** Open until an operator replays or discards it. */
export type DeadLetterStatus = 'open' | 'replayed' | 'discarded';

/** A dead letter's raw message as stored: bytes, and each header's value in base64. */
export interface StoredRawMessage {
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: Array<{ name: string; value: string | null }>;
}

/** What `DeadLetterRepository.page` reads: one status, newest first, optionally narrowed. */
export interface DeadLetterPageFilter {
  status: DeadLetterStatus;
  limit: number;
  /** The id of the last letter of the previous page. */
  before?: string;
  /** Exactly this consumer ('orchestrator', 'participant:inventory', ...). */
  consumer?: string;
  /** Exactly this topic. */
  topic?: string;
  /** Letters whose reason contains this text, case-insensitively. */
  reason?: string;
}

/** A dead letter of the orchestrator with what operators did about it. */
export interface DeadLetterRecord {
  id: string;
  consumer: string;
  topic: string | null;
  messageId: string | null;
  messageType: string | null;
  sagaId: string | null;
  /**
   * The decoded envelope; null when the message could not be decoded (rows
   * written before migration 0005 hold `{ raw }` then). Only `findById` and
   * the `mark…` methods read it, and `raw`.
   */
  envelope?: unknown;
  /** The message as it arrived: key and value bytes, headers with base64 values (rows since migration 0005). */
  raw?: StoredRawMessage | null;
  reason: string;
  attempts: number;
  firstFailedAt: Date;
  lastFailedAt: Date;
  status: DeadLetterStatus;
  replayedAt: Date | null;
  replayedBy: string | null;
  /** What the replay did: 'applied', 'duplicate' or 'ignored'. */
  replayOutcome: string | null;
  discardedAt: Date | null;
  discardedBy: string | null;
  discardReason: string | null;
}

const COLUMNS = `id, consumer, topic, message_id AS "messageId", message_type AS "messageType", saga_id AS "sagaId",
  reason, attempts, first_failed_at AS "firstFailedAt", last_failed_at AS "lastFailedAt", status,
  replayed_at AS "replayedAt", replayed_by AS "replayedBy", replay_outcome AS "replayOutcome",
  discarded_at AS "discardedAt", discarded_by AS "discardedBy", discard_reason AS "discardReason"`;
/** The message itself: what `findById` and the `mark…` methods add. */
const MESSAGE = `envelope, raw_key AS "rawKey", raw_value AS "rawValue", raw_headers AS "rawHeaders"`;

/**
 * Dead letters: the orchestrator's (`baton_dead_letter`) or a participant's
 * (`participant_dead_letter`); both tables have the columns `record` writes.
 * Only the orchestrator's table has a status (migration 0002): `page`,
 * `findById`, the `mark…` methods and `countOpen` read and write it.
 */
export class DeadLetterRepository {
  constructor(
    private readonly dataSource: DataSource,
    readonly table: 'baton_dead_letter' | 'participant_dead_letter' = 'baton_dead_letter',
  ) {}

  /** A sink that records the dead letters of one consumer ('orchestrator', 'participant:inventory', ...). */
  sinkFor(consumer: string): DeadLetterSink {
    return { record: (letter) => this.record(consumer, letter) };
  }

  /**
   * Stores the letter. Every text is made storable first (a reason may quote
   * the text that broke the message) and the raw message goes in as bytes
   * and base64, so what arrived can always be written: only the envelope, a
   * decoded message, could still be refused, and a broker transport then
   * records the letter without it.
   */
  async record(consumer: string, letter: DeadLetter): Promise<void> {
    const { envelope, raw } = letter;
    await this.dataSource.query(
      `INSERT INTO ${this.table} (consumer, topic, message_id, message_type, saga_id, envelope, reason, attempts, raw_key, raw_value, raw_headers)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        storableText(consumer),
        storableText(letter.topic),
        envelope?.messageId ?? claimed(raw, 'message-id'),
        envelope?.type ?? claimed(raw, 'message-type'),
        envelope?.sagaId ?? claimed(raw, 'saga-id'),
        envelope ? JSON.stringify(envelope) : null,
        storableText(letter.reason),
        letter.attempts,
        raw?.key ? Buffer.from(raw.key) : null,
        raw?.value ? Buffer.from(raw.value) : null,
        raw ? JSON.stringify(raw.headers.map(({ name, value }) => ({ name: storableText(name), value: value && base64(value) }))) : null,
      ],
    );
  }

  /**
   * Records a due timer that can never fire (its saga's definition version
   * is not on this host, say) as the timer consumer's dead letter, in the
   * transaction `tx` that takes the timer out.
   */
  async recordTimer(tx: EntityManager, timer: { id: string; sagaId: string; timerKey: string }, reason: string): Promise<void> {
    await sql(
      tx,
      `INSERT INTO ${this.table} (consumer, topic, message_type, saga_id, envelope, reason)
       VALUES ('timer', NULL, $1, $2, $3, $4)`,
      [storableText(timer.timerKey), timer.sagaId, JSON.stringify({ timer }), storableText(reason)],
    );
  }

  list(limit = 100): Promise<DeadLetterEntity[]> {
    return this.dataSource.getRepository(DeadLetterEntity).find({ order: { id: 'DESC' }, take: limit });
  }

  async count(): Promise<number> {
    const rows: Array<{ n: string }> = await this.dataSource.query(`SELECT count(*) AS n FROM ${this.table}`);
    return Number(rows[0].n);
  }

  /** How many dead letters nobody has replayed or discarded yet: the DLQ depth (in `manager`'s transaction if it is in one). */
  async countOpen(manager: EntityManager = this.dataSource.manager): Promise<number> {
    // Index-only scan of baton_dead_letter_status_id.
    const { rows } = await sql<{ n: string }>(manager, `SELECT count(*) AS n FROM ${this.table} WHERE status = 'open'`);
    return Number(rows[0].n);
  }

  /**
   * One page of the dead letters with `status`, newest first, without their
   * envelopes. `before` is the id of the last letter of the previous page.
   * `consumer` and `topic` must match exactly; `reason` is a case-insensitive
   * substring of the reason (its `%`, `_` and `\\` match themselves).
   */
  async page(filter: DeadLetterPageFilter): Promise<DeadLetterRecord[]> {
    const params: unknown[] = [filter.status, filter.limit];
    const where = ['status = $1'];
    const add = (condition: (n: string) => string, value: unknown) => {
      params.push(value);
      where.push(condition(`$${params.length}`));
    };
    if (filter.before !== undefined) add((n) => `id < ${n}`, filter.before);
    if (filter.consumer !== undefined) add((n) => `consumer = ${n}`, filter.consumer);
    if (filter.topic !== undefined) add((n) => `topic = ${n}`, filter.topic);
    if (filter.reason !== undefined) add((n) => `reason ILIKE ${n} ESCAPE '\\'`, `%${escapeLike(filter.reason)}%`);
    // Keyset pagination on baton_dead_letter_status_id (status, id): no OFFSET, stable while rows arrive.
    // The other filters are checked on the rows that index walks: dead letters of one status are not many.
    const { rows } = await sql<Row>(
      this.dataSource.manager,
      `SELECT ${COLUMNS} FROM ${this.table} WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $2`,
      params,
    );
    return rows.map(withDates);
  }

  /**
   * The distinct consumers and topics among the dead letters with `status`,
   * sorted, at most `limit` of each: the choices of a console's filters.
   */
  async facets(status: DeadLetterStatus, limit = 200): Promise<{ consumers: string[]; topics: string[] }> {
    const distinct = async (column: 'consumer' | 'topic') => {
      const { rows } = await sql<{ value: string }>(
        this.dataSource.manager,
        `SELECT DISTINCT ${column} AS value FROM ${this.table} WHERE status = $1 AND ${column} IS NOT NULL ORDER BY value LIMIT $2`,
        [status, limit],
      );
      return rows.map((row) => row.value);
    };
    const [consumers, topics] = await Promise.all([distinct('consumer'), distinct('topic')]);
    return { consumers, topics };
  }

  /** The whole record, envelope included. */
  async findById(id: string): Promise<DeadLetterRecord | undefined> {
    const { rows } = await sql<Row>(this.dataSource.manager, `SELECT ${COLUMNS}, ${MESSAGE} FROM ${this.table} WHERE id = $1`, [id]);
    return rows.length ? withDates(rows[0]) : undefined;
  }

  /**
   * Marks an open letter replayed; undefined if it was not open (any more).
   * The `status = 'open'` condition makes concurrent operators race for the
   * row: exactly one of them marks it.
   */
  async markReplayed(id: string, by: string, outcome: string): Promise<DeadLetterRecord | undefined> {
    return this.updateOpen(id, `status = 'replayed', replayed_at = now(), replayed_by = $2, replay_outcome = $3`, [by, outcome]);
  }

  /** Marks an open letter discarded, with who and why; undefined if it was not open (any more). */
  async markDiscarded(id: string, by: string, reason: string | null): Promise<DeadLetterRecord | undefined> {
    const why = reason === null ? null : storableText(reason);
    return this.updateOpen(id, `status = 'discarded', discarded_at = now(), discarded_by = $2, discard_reason = $3`, [by, why]);
  }

  /** A replay failed again: the letter stays open with one more attempt and the new reason. */
  async recordFailedReplay(id: string, reason: string): Promise<DeadLetterRecord | undefined> {
    return this.updateOpen(id, `attempts = attempts + 1, last_failed_at = now(), reason = $2`, [storableText(reason)]);
  }

  /** Updates the letter only if it is still open (no lock held across the replay: PGlite has one connection). */
  private async updateOpen(id: string, assignments: string, params: unknown[]): Promise<DeadLetterRecord | undefined> {
    const { rows } = await sql<Row>(
      this.dataSource.manager,
      `UPDATE ${this.table} SET ${assignments} WHERE id = $1 AND status = 'open' RETURNING ${COLUMNS}, ${MESSAGE}`,
      [id, ...params],
    );
    return rows.length ? withDates(rows[0]) : undefined;
  }
}

/** What a header of an undecoded message claims (its message id, type, saga), as storable text of a sensible length. */
function claimed(raw: RawMessage | undefined, name: string): string | null {
  const header = raw?.headers.findLast((h) => h.name === name)?.value;
  return header ? storableText(Buffer.from(header).toString('utf8').slice(0, 200)) : null;
}

/** `text` for a LIKE pattern in which it matches only itself (ESCAPE '\\'). */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

const base64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

type Row = DeadLetterRecord & { rawKey?: Uint8Array | null; rawValue?: Uint8Array | null; rawHeaders?: StoredRawMessage['headers'] | null };

/** Timestamps as Dates whichever driver (pg, PGlite) read them; the raw columns as one `raw`. */
function withDates({ rawKey, rawValue, rawHeaders, ...row }: Row): DeadLetterRecord {
  const date = (value: Date | string | null) => (value === null ? null : new Date(value));
  const raw = rawHeaders === undefined ? undefined : rawHeaders === null ? null : { key: rawKey ?? null, value: rawValue ?? null, headers: rawHeaders };
  return {
    ...row,
    ...(raw === undefined ? {} : { raw }),
    attempts: Number(row.attempts),
    firstFailedAt: date(row.firstFailedAt)!,
    lastFailedAt: date(row.lastFailedAt)!,
    replayedAt: date(row.replayedAt),
    discardedAt: date(row.discardedAt),
  };
}
