import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Searching sagas (GET /sagas filters, GET /sagas/counts; docs/architecture.md):
 * the start input is kept in `input` (sagas started before this migration
 * keep NULL there), and the filters get indexes of their own. Every list
 * query is ordered by id descending; the planner picks one of these or the
 * (name, id) / (status, id) indexes of migration 0001. The current state has
 * no index: it changes on every step, and an index on it would make each
 * step's row update rewrite the index (no HOT update; the benchmark lost
 * about 7% of its sagas/s with a GIN index there); a state filter reads the
 * name's or status's rows instead (46 ms at 100,000 sagas).
 */
export class SagaSearch1763800000008 implements MigrationInterface {
  name = 'SagaSearch1763800000008';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE baton_saga ADD COLUMN input jsonb`);
    await db.query(`CREATE INDEX baton_saga_name_version_id ON baton_saga (name, definition_version, id)`);
    await db.query(`CREATE INDEX baton_saga_correlation_id ON baton_saga (correlation_id)`);
    await db.query(`CREATE INDEX baton_saga_key ON baton_saga (idempotency_key) WHERE idempotency_key IS NOT NULL`);
    await db.query(`CREATE INDEX baton_saga_input ON baton_saga USING gin (input jsonb_path_ops)`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const index of ['input', 'key', 'correlation_id', 'name_version_id']) {
      await db.query(`DROP INDEX IF EXISTS baton_saga_${index}`);
    }
    await db.query(`ALTER TABLE baton_saga DROP COLUMN input`);
  }
}
