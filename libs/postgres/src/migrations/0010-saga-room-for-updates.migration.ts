import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A saga row is updated by every step of the saga, and none of its indexed
 * columns changes at most of them, so the update can be HOT (heap-only: no
 * new entry in any of baton_saga's indexes, the GIN index on `input`
 * included) if the new row version fits on the row's page. With the default
 * fillfactor (100) pages are full when inserted and nearly every update
 * moved the row to another page (94% non-HOT in the benchmark): half of
 * each page is now left free for the versions its sagas' steps write;
 * page pruning frees the dead ones. Applies to pages written from now on.
 */
export class SagaRoomForUpdates1763800000010 implements MigrationInterface {
  name = 'SagaRoomForUpdates1763800000010';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE baton_saga SET (fillfactor = 50)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE baton_saga RESET (fillfactor)`);
  }
}
