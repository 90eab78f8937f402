import type { DataSource, EntityManager } from 'typeorm';
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

/** What a step needs of a locked saga row. */
export type LockedSaga = Pick<
  SagaEntity,
  'id' | 'name' | 'definitionVersion' | 'status' | 'stateValue' | 'snapshot' | 'runtime' | 'version' | 'correlationId' | 'createdAt'
>;

export interface SagaListFilter {
  name?: string;
  status?: string;
  /** Page size, 1..500. */
  limit: number;
  /** Id of the last saga of the previous page: the next page holds older ones. */
  after?: string;
}

/** Saga instances. Writes happen inside a step transaction; reads go to the pool. */
export class SagaRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Inserts a new instance at row version 1. With an idempotency key already
   * used for this saga name, the unique index turns the insert into a no-op
   * and this returns false.
   */
  async insert(tx: EntityManager, row: NewSagaRow): Promise<boolean> {
    const { rowCount } = await sql(
      tx,
      `INSERT INTO baton_saga
         (id, name, definition_version, status, state_value, snapshot, runtime, version,
          correlation_id, idempotency_key, input_hash, ended_at)
       VALUES ($1, $2, $3, $4, $5, $6, $11, 1, $7, $8, $9, CASE WHEN $10::boolean THEN now() END)
       ON CONFLICT (name, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING`,
      [
        row.id,
        row.name,
        row.definitionVersion,
        row.status,
        JSON.stringify(row.stateValue),
        JSON.stringify(row.snapshot),
        row.correlationId,
        row.idempotencyKey,
        row.inputHash,
        row.ended,
        JSON.stringify(row.runtime),
      ],
    );
    return rowCount === 1;
  }

  async findByIdempotencyKey(tx: EntityManager, name: string, key: string): Promise<SagaEntity | null> {
    return tx.getRepository(SagaEntity).findOneBy({ name, idempotencyKey: key });
  }

  /**
   * Loads an instance and locks its row until the transaction ends, so two
   * inputs for one saga are applied one after the other (primary key lookup).
   * With `skipLocked` a row locked by another step is not waited for: the
   * timer poller uses that to avoid lock-order deadlocks with replies.
   */
  async lock(tx: EntityManager, id: string, options: { skipLocked?: boolean } = {}): Promise<LockedSaga | undefined> {
    const { rows } = await sql<LockedSaga>(
      tx,
      `SELECT id, name, definition_version AS "definitionVersion", status, state_value AS "stateValue",
              snapshot, runtime, version, correlation_id AS "correlationId", created_at AS "createdAt"
         FROM baton_saga WHERE id = $1
          FOR UPDATE${options.skipLocked ? ' SKIP LOCKED' : ''}`,
      [id],
    );
    return rows[0];
  }

  /** Writes a transition. The version check makes a lost update impossible even without the row lock. */
  async update(
    tx: EntityManager,
    id: string,
    expectedVersion: number,
    change: { status: string; stateValue: unknown; snapshot: unknown; runtime: unknown; ended: boolean },
  ): Promise<boolean> {
    const { rowCount } = await sql(
      tx,
      `UPDATE baton_saga
          SET status = $3, state_value = $4, snapshot = $5, runtime = $7, version = version + 1, updated_at = now(),
              ended_at = CASE WHEN $6::boolean THEN now() END
        WHERE id = $1 AND version = $2`,
      [
        id,
        expectedVersion,
        change.status,
        JSON.stringify(change.stateValue),
        JSON.stringify(change.snapshot),
        change.ended,
        JSON.stringify(change.runtime),
      ],
    );
    return rowCount === 1;
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
