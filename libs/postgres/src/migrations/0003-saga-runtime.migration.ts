import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The engine's own state of an instance beside the machine's snapshot:
 * commands in flight (retries), its transition count (storm bound), why it
 * was parked.
 */
export class SagaRuntime1763800000003 implements MigrationInterface {
  name = 'SagaRuntime1763800000003';

  async up(db: QueryRunner): Promise<void> {
    // A default, so rows written before this migration read as "nothing in flight".
    await db.query(`ALTER TABLE baton_saga ADD COLUMN runtime jsonb NOT NULL DEFAULT '{"pending":{},"transitions":0}'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE baton_saga DROP COLUMN runtime`);
  }
}
