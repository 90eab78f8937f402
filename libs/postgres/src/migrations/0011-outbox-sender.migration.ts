import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who wrote an outbox row: order is kept among one saga's rows from one
 * sender to one topic (OutboxRepository). The orchestrator is the only
 * sender of baton_outbox (''); participant_outbox names the participant
 * (migration 0104), so two participants' replies to one saga never wait on
 * each other. A constant default: no table rewrite.
 */
export class OutboxSender1763800000011 implements MigrationInterface {
  name = 'OutboxSender1763800000011';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE baton_outbox ADD COLUMN sender text NOT NULL DEFAULT ''`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE baton_outbox DROP COLUMN sender`);
  }
}
