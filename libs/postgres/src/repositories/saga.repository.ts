import type { DataSource, EntityManager } from 'typeorm';
import type { SagaRecord, SagaStatus } from '@baton/core';
import { SagaEntity } from '../entities/saga.entity';
import { sql } from '../sql';

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
  ended: boolean;
}

/** A saga row as a step locks it: what core's deciders read. */
export interface LockedSaga extends SagaRecord {
  readonly status: SagaStatus;
  readonly createdAt: Date;
}

/** Which sagas `SagaRepository.list` answers: one page, newest first. */
export interface SagaListFilter {
  name?: string;
  status?: string;
  /** Page size, 1..500. */
  limit: number;
  /** Id of the last saga of the previous page: the next page holds older ones. */
  after?: string;
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
          correlation_id, idempotency_key, input_hash, ended_at)
       SELECT id, name, definition_version, status, state_value, snapshot, runtime, 1,
              correlation_id, idempotency_key, input_hash, CASE WHEN ended THEN now() END
         FROM ROWS FROM (jsonb_to_recordset($1::jsonb)
              AS (id uuid, name text, definition_version integer, status text, state_value jsonb, snapshot jsonb, runtime jsonb,
                  correlation_id text, idempotency_key text, input_hash text, ended boolean))
              WITH ORDINALITY AS v(id, name, definition_version, status, state_value, snapshot, runtime,
                                   correlation_id, idempotency_key, input_hash, ended, n)
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
            ended: row.ended,
          })),
        ),
      ],
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
    );
    const seen = new Set<string>(rows[0]?.seen ?? []);
    const sagas = new Map<string, LockedSaga>();
    for (const { seen: _, ...saga } of rows) sagas.set(saga.id, saga);
    return { sagas, seen };
  }

  /** Sagas that have not ended, counted by name and status. */
  async countInFlight(): Promise<Array<{ name: string; status: string; count: number }>> {
    // Only unended rows are read, through the partial index baton_saga_in_flight (migration 0002).
    const rows: Array<{ name: string; status: string; count: string }> = await this.dataSource.query(
      `SELECT name, status, count(*) AS count FROM baton_saga WHERE ended_at IS NULL GROUP BY name, status`,
    );
    return rows.map((row) => ({ name: row.name, status: row.status, count: Number(row.count) }));
  }

  findById(id: string): Promise<SagaEntity | null> {
    return this.dataSource.getRepository(SagaEntity).findOneBy({ id });
  }

  /** Newest first, keyset-paginated on the time-ordered id (index on (name, id) or (status, id)). */
  async list(filter: SagaListFilter): Promise<SagaEntity[]> {
    const query = this.dataSource
      .getRepository(SagaEntity)
      .createQueryBuilder('saga')
      .orderBy('saga.id', 'DESC')
      .limit(filter.limit);
    if (filter.name) query.andWhere('saga.name = :name', { name: filter.name });
    if (filter.status) query.andWhere('saga.status = :status', { status: filter.status });
    if (filter.after) query.andWhere('saga.id < :after', { after: filter.after });
    return query.getMany();
  }
}
