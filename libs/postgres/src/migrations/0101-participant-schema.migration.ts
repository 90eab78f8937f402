import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Tables of a participant service: its inbox, its reply outbox and its dead letters. */
export class ParticipantSchema1763800000101 implements MigrationInterface {
  name = 'ParticipantSchema1763800000101';

  async up(db: QueryRunner): Promise<void> {
    // A command id per participant: inserted in the transaction of the
    // command's effect, so a redelivered command finds it and does nothing.
    await db.query(`
      CREATE TABLE participant_inbox (
        participant  text NOT NULL,
        message_id   text NOT NULL,
        message_type text NOT NULL,
        saga_id      uuid,
        received_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (participant, message_id)
      )`);
    // Same columns as baton_outbox, so the same relay publishes both.
    await db.query(`
      CREATE TABLE participant_outbox (
        id           bigserial PRIMARY KEY,
        message_id   uuid NOT NULL UNIQUE,
        saga_id      uuid NOT NULL,
        topic        text NOT NULL,
        message_type text NOT NULL,
        envelope     jsonb NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz,
        locked_until timestamptz,
        attempts     integer NOT NULL DEFAULT 0,
        last_error   text
      )`);
    await db.query(`CREATE INDEX participant_outbox_unpublished ON participant_outbox (id) WHERE published_at IS NULL`);
    await db.query(
      `CREATE INDEX participant_outbox_unpublished_saga ON participant_outbox (saga_id, id) WHERE published_at IS NULL`,
    );

    // Same columns as baton_dead_letter: commands this participant gave up on.
    await db.query(`
      CREATE TABLE participant_dead_letter (
        id              bigserial PRIMARY KEY,
        consumer        text NOT NULL,
        topic           text,
        message_id      text,
        message_type    text,
        saga_id         text,
        envelope        jsonb,
        reason          text NOT NULL,
        attempts        integer NOT NULL DEFAULT 1,
        first_failed_at timestamptz NOT NULL DEFAULT now(),
        last_failed_at  timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS participant_dead_letter`);
    await db.query(`DROP TABLE IF EXISTS participant_outbox`);
    await db.query(`DROP TABLE IF EXISTS participant_inbox`);
  }
}
