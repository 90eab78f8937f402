import type { DataSource, EntityManager } from 'typeorm';
import type { SagaRecord, SagaStatus } from '@baton/core';
import { SagaEntity } from '../entities/saga.entity';
import { sql, sqlMarkingDeadEntries } from '../sql';

export interface NewSagaRow {
  id: string;
  name: string;
  definitionVersion: number;
  status: string;
  stateValue: unknown;
  snapshot: unknown;
  runtime: unknown;
  correlationId: string;
  idempotencyKey: string | null;
  inputHash: string | null;
  /** The start input, kept for searching (GET /sagas?input.<field>=). */
  input?: unknown;
  ended: boolean;
}

/** A saga row as a step locks it: what core's deciders read. */
export interface LockedSaga extends SagaRecord {
  readonly status: SagaStatus;
  readonly createdAt: Date;
}

/** What GET /sagas searches by; every filter given must hold (AND). */
export interface SagaSearch {
  name?: string;
  /** Definition version; meaningful with `name`. */
  version?: number;
  status?: string;
  /** A state path, outermost first (`['securing', 'payment', 'authorizing']`): the saga is in that state (or in one of its children; any region of a parallel state). */
  state?: readonly string[];
  /**
   * No registered definition ends in `state`: only sagas not yet ended can be
   * in it, or ones a bound parked (status failed), so the search reads those
   * through their indexes (baton_saga_in_flight, baton_saga_status_id)
   * instead of every ended saga.
   */
  stateNotFinal?: boolean;
  startedAfter?: Date;
  startedBefore?: Date;
  updatedAfter?: Date;
  updatedBefore?: Date;
  correlationId?: string;
  idempotencyKey?: string;
  /** Fields of the start input: a path (`['customer', 'id']`) and the value given as text, matched as a string, or as the number or boolean it spells. */
  input?: ReadonlyArray<{ path: readonly string[]; value: string }>;
}

/** Which sagas `SagaRepository.list` answers: one page, newest first. */
export interface SagaListFilter extends SagaSearch {
  /** Page size, 1..500. */
  limit: number;
  /** Id of the last saga of the previous page: the next page holds older ones. */
  after?: string;
}

/** How far apart the start time in a saga's id and its created_at may be (clock skew, the insert's wait). */
const START_CLOCK_MARGIN_MS = 5 * 60_000;

/** The smallest ('0') or largest ('f') uuid v7 of a millisecond. */
function uuidv7Bound(ms: number, fill: '0' | 'f'): string {
  const time = Math.min(Math.max(ms, 0), 2 ** 48 - 1).toString(16).padStart(12, '0');
  const rest = fill.repeat(19);
  return `${time.slice(0, 8)}-${time.slice(8)}-${rest.slice(0, 4)}-${rest.slice(4, 8)}-${rest.slice(8, 19)}${fill}`;
}

/** The columns of a LockedSaga, from `baton_saga AS s`. */
const LOCKED_COLUMNS = `s.id, s.name, s.definition_version AS "definitionVersion", s.status, s.state_value AS "stateValue",
  s.snapshot, s.runtime, s.version, s.correlation_id AS "correlationId", s.created_at AS "createdAt"`;

/** Saga instances. Writes happen inside a step transaction; reads go to the pool. */
export class SagaRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Inserts new instances at row version 1 and returns the ids created. A
   * start with an idempotency key already used for its saga name (by an
   * earlier start, or an earlier row of this insert) is turned into a no-op
   * by the unique index, and its id is missing from the result.
   */
  async insertMany(tx: EntityManager, rows: readonly NewSagaRow[]): Promise<Set<string>> {
    const { rows: created } = await sql<{ id: string }>(
      tx,
      `INSERT INTO baton_saga
         (id, name, definition_version, status, state_value, snapshot, runtime, version,
          correlation_id, idempotency_key, input_hash, input, ended_at)
       SELECT id, name, definition_version, status, state_value, snapshot, runtime, 1,
              correlation_id, idempotency_key, input_hash, input, CASE WHEN ended THEN now() END
         FROM ROWS FROM (jsonb_to_recordset($1::jsonb)
              AS (id uuid, name text, definition_version integer, status text, state_value jsonb, snapshot jsonb, runtime jsonb,
                  correlation_id text, idempotency_key text, input_hash text, input jsonb, ended boolean))
              WITH ORDINALITY AS v(id, name, definition_version, status, state_value, snapshot, runtime,
                                   correlation_id, idempotency_key, input_hash, input, ended, n)
        ORDER BY n
       ON CONFLICT (name, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
       RETURNING id`,
      [
        JSON.stringify(
          rows.map((row) => ({
            id: row.id,
            name: row.name,
            definition_version: row.definitionVersion,
            status: row.status,
            state_value: row.stateValue,
            snapshot: row.snapshot,
            runtime: row.runtime,
            correlation_id: row.correlationId,
            idempotency_key: row.idempotencyKey,
            input_hash: row.inputHash,
            input: row.input ?? null,
            ended: row.ended,
          })),
        ),
      ],
      { prepared: true },
    );
    return new Set(created.map((row) => row.id));
  }

  /** The instances these (saga name, idempotency key) pairs started (unique index baton_saga_idempotency_key). */
  async findByIdempotencyKeys(
    tx: EntityManager,
    keys: ReadonlyArray<{ name: string; key: string }>,
  ): Promise<Array<{ id: string; name: string; idempotencyKey: string; inputHash: string | null }>> {
    const { rows } = await sql<{ id: string; name: string; idempotencyKey: string; inputHash: string | null }>(
      tx,
      `SELECT s.id, s.name, s.idempotency_key AS "idempotencyKey", s.input_hash AS "inputHash"
         FROM baton_saga AS s
         JOIN jsonb_to_recordset($1::jsonb) AS v(name text, key text) ON s.name = v.name AND s.idempotency_key = v.key`,
      [JSON.stringify(keys)],
    );
    return rows;
  }

  /**
   * Loads instances and locks their rows until the transaction ends, so two
   * inputs for one saga are applied one after the other (primary key
   * lookups). Rows are locked in id order, so two transactions locking
   * overlapping sets cannot deadlock.
   */
  async lock(tx: EntityManager, ids: readonly string[]): Promise<Map<string, LockedSaga>> {
    const { rows } = await sql<LockedSaga>(
      tx,
      `SELECT ${LOCKED_COLUMNS}
         FROM baton_saga AS s WHERE s.id = ANY($1::uuid[])
        ORDER BY s.id
          FOR UPDATE`,
      [ids],
      { prepared: true },
    );
    return new Map(rows.map((row) => [row.id, row]));
  }

  /**
   * `lock` for a batch of messages, which also answers, in the same round
   * trip, which of their ids the inbox has recorded (redeliveries). The
   * inbox is read with the statement's snapshot, taken before any row lock
   * was waited for: a step of another replica that applied one of these
   * messages and committed while this one waited is not seen here. Then the
   * inbox insert of this step fails on the message id's unique index and
   * the step rolls back; nothing is applied twice.
   */
  async lockWithInbox(
    tx: EntityManager,
    sagaIds: readonly string[],
    messageIds: readonly string[],
  ): Promise<{ sagas: Map<string, LockedSaga>; seen: Set<string> }> {
    const { rows } = await sql<LockedSaga & { seen: string[] | null }>(
      tx,
      `WITH seen AS MATERIALIZED (SELECT array_agg(message_id) AS ids FROM baton_inbox WHERE message_id = ANY($2::text[]))
       SELECT ${LOCKED_COLUMNS}, (SELECT ids FROM seen) AS seen
         FROM baton_saga AS s WHERE s.id = ANY($1::uuid[])
        ORDER BY s.id
          FOR UPDATE OF s`,
      [sagaIds, messageIds],
      { prepared: true },
    );
    const seen = new Set<string>(rows[0]?.seen ?? []);
    const sagas = new Map<string, LockedSaga>();
    for (const { seen: _, ...saga } of rows) sagas.set(saga.id, saga);
    return { sagas, seen };
  }

  /**
   * Sagas that have not ended (admission's bound on sagas in flight). This
   * and the counts below read only unended rows, through the partial index
   * baton_saga_in_flight (migration 0002). A step's update of a saga that
   * does not stay on its page, and the end of every saga, leave a dead
   * entry there, so they run with bitmap scans off (sqlMarkingDeadEntries).
   */
  async countUnended(): Promise<number> {
    const { rows } = await sqlMarkingDeadEntries<{ n: string }>(this.dataSource.manager, `SELECT count(*) AS n FROM baton_saga WHERE ended_at IS NULL`);
    return Number(rows[0].n);
  }

  /** Sagas that have not ended, counted by name and status (in `manager`'s transaction if it is in one). */
  async countInFlight(manager: EntityManager = this.dataSource.manager): Promise<Array<{ name: string; status: string; count: number }>> {
    const { rows } = await sqlMarkingDeadEntries<{ name: string; status: string; count: string }>(
      manager,
      `SELECT name, status, count(*) AS count FROM baton_saga WHERE ended_at IS NULL GROUP BY name, status`,
    );
    return rows.map((row) => ({ name: row.name, status: row.status, count: Number(row.count) }));
  }

  /**
   * Unended sagas counted by name, status and state value, biggest group
   * first, at most `limit` groups: where sagas in flight are waiting.
   */
  async countInFlightByState(
    limit: number,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Array<{ name: string; status: string; stateValue: unknown; count: number }>> {
    const { rows } = await sqlMarkingDeadEntries<{ name: string; status: string; stateValue: unknown; count: string }>(
      manager,
      `SELECT name, status, state_value AS "stateValue", count(*) AS count FROM baton_saga WHERE ended_at IS NULL
        GROUP BY name, status, state_value ORDER BY count(*) DESC, name, status LIMIT $1`,
      [limit],
    );
    return rows.map((row) => ({ ...row, count: Number(row.count) }));
  }

  findById(id: string): Promise<SagaEntity | null> {
    return this.dataSource.getRepository(SagaEntity).findOneBy({ id });
  }

  /**
   * Newest first, keyset-paginated on the time-ordered id. The indexes of
   * migrations 0001, 0002 and 0008 serve the filters: (name, id), (status,
   * id), (name, definition_version, id), correlation_id, idempotency_key,
   * the unended sagas' ids (baton_saga_in_flight, for a state no saga ends
   * in), and a GIN index on input for its containment tests; the start-time
   * range bounds the id.
   */
  async list(filter: SagaListFilter): Promise<SagaEntity[]> {
    const query = this.searchQuery(filter).orderBy('saga.id', 'DESC').limit(filter.limit);
    if (filter.after) query.andWhere('saga.id < :after', { after: filter.after });
    return query.getMany();
  }

  /** The SQL and parameters of `list` (for EXPLAIN in bench/console-queries.ts). */
  listQuery(filter: SagaListFilter): [string, unknown[]] {
    const query = this.searchQuery(filter).orderBy('saga.id', 'DESC').limit(filter.limit);
    if (filter.after) query.andWhere('saga.id < :after', { after: filter.after });
    return query.getQueryAndParameters();
  }

  /** How many sagas match, in total and per status. */
  async countByStatus(filter: SagaSearch): Promise<{ total: number; byStatus: Record<string, number> }> {
    const rows: Array<{ status: string; count: string }> = await this.searchQuery(filter)
      .select('saga.status', 'status')
      .addSelect('count(*)', 'count')
      .groupBy('saga.status')
      .getRawMany();
    const byStatus: Record<string, number> = {};
    let total = 0;
    for (const row of rows) {
      byStatus[row.status] = Number(row.count);
      total += Number(row.count);
    }
    return { total, byStatus };
  }

  private searchQuery(filter: SagaSearch) {
    const query = this.dataSource.getRepository(SagaEntity).createQueryBuilder('saga');
    if (filter.name) query.andWhere('saga.name = :name', { name: filter.name });
    if (filter.version !== undefined) query.andWhere('saga.definition_version = :version', { version: filter.version });
    if (filter.status) query.andWhere('saga.status = :status', { status: filter.status });
    if (filter.correlationId !== undefined) query.andWhere('saga.correlation_id = :correlationId', { correlationId: filter.correlationId });
    if (filter.idempotencyKey !== undefined) query.andWhere('saga.idempotency_key = :key', { key: filter.idempotencyKey });
    // Ids are uuid v7 of the start time taken by the orchestrator, created_at
    // the database's clock at the insert: the id bound (with a margin for the
    // two clocks and the insert's wait) lets the primary key scan start at
    // the range instead of filtering every newer saga; created_at decides.
    if (filter.startedAfter) {
      query.andWhere('saga.created_at > :startedAfter', { startedAfter: filter.startedAfter });
      query.andWhere('saga.id > :idAfter', { idAfter: uuidv7Bound(filter.startedAfter.getTime() - START_CLOCK_MARGIN_MS, '0') });
    }
    if (filter.startedBefore) {
      query.andWhere('saga.created_at < :startedBefore', { startedBefore: filter.startedBefore });
      query.andWhere('saga.id < :idBefore', { idBefore: uuidv7Bound(filter.startedBefore.getTime() + START_CLOCK_MARGIN_MS, 'f') });
    }
    if (filter.updatedAfter) query.andWhere('saga.updated_at > :updatedAfter', { updatedAfter: filter.updatedAfter });
    if (filter.updatedBefore) query.andWhere('saga.updated_at < :updatedBefore', { updatedBefore: filter.updatedBefore });
    if (filter.state?.length) {
      // A state value is a string (an atomic state) or an object naming the
      // active child of each compound state, one key per region of a parallel
      // state: {"securing":{"stock":"reserved","payment":"authorizing"}} is in
      // securing, securing.stock, securing.stock.reserved, securing.payment, ...
      // "In a.b.c": the value at a.b is "c" or an object with the key c (jsonb's
      // ? holds for both). There is no index on state_value (it changes on
      // every step, and one cost the step a measured 7%): a state no saga ends
      // in is looked for among the unended (and parked) sagas only.
      const path = filter.state;
      if (filter.stateNotFinal) query.andWhere("(saga.ended_at IS NULL OR saga.status = 'failed')");
      query.andWhere('saga.state_value ? :stateFirst', { stateFirst: path[0] });
      if (path.length > 1) {
        query.andWhere('(saga.state_value #> CAST(:stateParents AS text[])) ? :stateLast', {
          stateParents: path.slice(0, -1),
          stateLast: path[path.length - 1],
        });
      }
    }
    filter.input?.forEach(({ path, value }, i) => {
      const nest = (leaf: unknown) => JSON.stringify(path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), leaf));
      const alternatives = [nest(value)];
      if (value.trim() !== '' && Number.isFinite(Number(value))) alternatives.push(nest(Number(value)));
      if (value === 'true' || value === 'false') alternatives.push(nest(value === 'true'));
      const params: Record<string, string> = {};
      const tests = alternatives.map((json, j) => {
        params[`input${i}_${j}`] = json;
        return `saga.input @> CAST(:input${i}_${j} AS jsonb)`;
      });
      query.andWhere(`(${tests.join(' OR ')})`, params);
    });
    return query;
  }
}
