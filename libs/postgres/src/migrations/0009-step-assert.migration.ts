import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `baton_assert(ok, message)`: raises `message` unless `ok`. A step's write
 * statement carries its transaction's COMMIT (docs/architecture.md, "Round
 * trips of a step"), so a check of what it wrote has to fail inside the
 * statement, where it stops the COMMIT, not in the process after it.
 */
export class StepAssert1763800000009 implements MigrationInterface {
  name = 'StepAssert1763800000009';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE FUNCTION baton_assert(ok boolean, message text) RETURNS boolean LANGUAGE plpgsql AS $$
      BEGIN
        IF ok IS NOT TRUE THEN
          RAISE EXCEPTION '%', message USING ERRCODE = 'P0001';
        END IF;
        RETURN true;
      END
      $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION IF EXISTS baton_assert(boolean, text)`);
  }
}
