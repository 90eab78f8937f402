import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A redelivered command is answered with the reply recorded for it, and a
 * compensation fences the command it undoes (see ParticipantWorker).
 */
export class ParticipantRepliesAndFences1763800000102 implements MigrationInterface {
  name = 'ParticipantRepliesAndFences1763800000102';

  async up(db: QueryRunner): Promise<void> {
    // The message id the command's reply gets, drawn before its handler runs
    // and written with the inbox row, so the command and its reply are linked
    // in the transaction that recorded both. A redelivery finds its reply
    // through it (primary key, then participant_outbox_message). No reply row
    // carries it when the handler answered nothing. NULL on rows recorded
    // before this migration and on fences.
    await db.query(`ALTER TABLE participant_inbox ADD COLUMN reply_id uuid`);
    // The compensation (its message id) that recorded this id before the
    // command itself was handled here: a fence, so the command, should it
    // still come, does nothing. NULL on a command this participant handled.
    await db.query(`ALTER TABLE participant_inbox ADD COLUMN fenced_by text`);
    // A fence records the id of a command that never arrived: its type is unknown.
    await db.query(`ALTER TABLE participant_inbox ALTER COLUMN message_type DROP NOT NULL`);

    // Looking a recorded reply up by its message id (participant_inbox.reply_id)
    // uses this index. It replaces the unique constraint's.
    await db.query(`CREATE INDEX participant_outbox_message ON participant_outbox (message_id)`);
    // A reply sent again is a copy under its first message id (the
    // orchestrator's inbox dedupes it), as a new row: message_id is no longer
    // unique, as in baton_outbox. The relay and OutboxRepository address rows
    // by id only.
    await db.query(`ALTER TABLE participant_outbox DROP CONSTRAINT participant_outbox_message_id_key`);
  }

  async down(db: QueryRunner): Promise<void> {
    // Copies of replies go (the first row of each message id stays), so the id is unique again.
    await db.query(`DELETE FROM participant_outbox AS o USING participant_outbox AS e WHERE o.message_id = e.message_id AND o.id > e.id`);
    await db.query(`ALTER TABLE participant_outbox ADD CONSTRAINT participant_outbox_message_id_key UNIQUE (message_id)`);
    await db.query(`DROP INDEX participant_outbox_message`);
    // Fences go: a command they held off would take effect if it came now.
    await db.query(`DELETE FROM participant_inbox WHERE fenced_by IS NOT NULL`);
    await db.query(`ALTER TABLE participant_inbox ALTER COLUMN message_type SET NOT NULL`);
    await db.query(`ALTER TABLE participant_inbox DROP COLUMN fenced_by, DROP COLUMN reply_id`);
  }
}
