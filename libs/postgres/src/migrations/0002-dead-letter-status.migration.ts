import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What operators do over REST: a dead letter is open until it is replayed or
 * discarded, and says by whom, when and why. Plus the index that keeps the
 * in-flight count of admission control cheap.
 */
export class DeadLetterStatus1763800000002 implements MigrationInterface {
  name = 'DeadLetterStatus1763800000002';

  async up(db: QueryRunner): Promise<void> {
    // Rows written before this migration are open: nobody has acted on them.
    await db.query(`
      ALTER TABLE baton_dead_letter
        ADD COLUMN status         text NOT NULL DEFAULT 'open',
        ADD COLUMN replayed_at    timestamptz,
        ADD COLUMN replayed_by    text,
        ADD COLUMN replay_outcome text,
        ADD COLUMN discarded_at   timestamptz,
        ADD COLUMN discarded_by   text,
        ADD COLUMN discard_reason text`);
    // GET /dead-letters pages one status newest first (keyset on id), and the
    // open count (the DLQ depth metric) is an index-only scan of status = 'open'.
    await db.query(`CREATE INDEX baton_dead_letter_status_id ON baton_dead_letter (status, id)`);
    // Admission control counts the sagas that have not ended every ~500 ms;
    // ended sagas, the vast majority, stay out of this index.
    await db.query(`CREATE INDEX baton_saga_in_flight ON baton_saga (id) WHERE ended_at IS NULL`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX IF EXISTS baton_saga_in_flight`);
    await db.query(`DROP INDEX IF EXISTS baton_dead_letter_status_id`);
    await db.query(`
      ALTER TABLE baton_dead_letter
        DROP COLUMN status, DROP COLUMN replayed_at, DROP COLUMN replayed_by, DROP COLUMN replay_outcome,
        DROP COLUMN discarded_at, DROP COLUMN discarded_by, DROP COLUMN discard_reason`);
  }
}
