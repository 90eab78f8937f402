import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The participant that wrote a reply (see migration 0011): one saga's
 * replies from one participant go out in the order they were written, and
 * the replies of two participants sharing the table (answering a saga's
 * parallel commands, say) go out side by side. Unpublished replies written
 * before it get the participant that recorded them in its inbox, so the
 * replies written after it keep their place behind them; the others
 * (published, or a transient failure's, which is not recorded) keep ''.
 */
export class ParticipantOutboxSender1763800000104 implements MigrationInterface {
  name = 'ParticipantOutboxSender1763800000104';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE participant_outbox ADD COLUMN sender text NOT NULL DEFAULT ''`);
    await db.query(
      `UPDATE participant_outbox AS o SET sender = i.participant
         FROM participant_inbox AS i
        WHERE i.reply_id = o.message_id AND o.published_at IS NULL`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE participant_outbox DROP COLUMN sender`);
  }
}
