import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A timer remembers the trace of the step that armed it, so its firing joins the saga's trace. */
export class TimerTraceContext1763800000004 implements MigrationInterface {
  name = 'TimerTraceContext1763800000004';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE baton_timer ADD COLUMN traceparent text, ADD COLUMN tracestate text`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE baton_timer DROP COLUMN traceparent, DROP COLUMN tracestate`);
  }
}
