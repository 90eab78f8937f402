import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Baton's tables. Migrations are numbered and never edited once released; a
 * change is a new migration. (TypeORM wants a 13-digit timestamp at the end
 * of the class name; the file number is the order.)
 */
export class BatonSchema1763800000001 implements MigrationInterface {
  name = 'BatonSchema1763800000001';

  async up(db: QueryRunner): Promise<void> {
    // One row per saga instance. `version` is the row version every step
    // checks and bumps; `definition_version` pins the machine it runs on.
    await db.query(`
      CREATE TABLE baton_saga (
        id                 uuid PRIMARY KEY,
        name               text NOT NULL,
        definition_version integer NOT NULL,
        status             text NOT NULL,
        state_value        jsonb NOT NULL,
        snapshot           jsonb NOT NULL,
        version            integer NOT NULL,
        correlation_id     text NOT NULL,
        idempotency_key    text,
        input_hash         text,
        created_at         timestamptz NOT NULL DEFAULT now(),
        updated_at         timestamptz NOT NULL DEFAULT now(),
        ended_at           timestamptz
      )`);
    // A start with a key already used for this saga name finds the first
    // instance instead of creating a second one (INSERT ... ON CONFLICT).
    await db.query(`
      CREATE UNIQUE INDEX baton_saga_idempotency_key
        ON baton_saga (name, idempotency_key) WHERE idempotency_key IS NOT NULL`);
    // Listing filters by name or status and pages by id (uuid v7, so by age).
    await db.query(`CREATE INDEX baton_saga_name_id ON baton_saga (name, id)`);
    await db.query(`CREATE INDEX baton_saga_status_id ON baton_saga (status, id)`);

    await db.query(`
      CREATE TABLE baton_saga_history (
        id           bigserial PRIMARY KEY,
        saga_id      uuid NOT NULL REFERENCES baton_saga (id) ON DELETE CASCADE,
        saga_version integer NOT NULL,
        kind         text NOT NULL,
        event_type   text NOT NULL,
        message_id   text,
        actor        text NOT NULL,
        from_state   jsonb,
        to_state     jsonb NOT NULL,
        status       text NOT NULL,
        commands     jsonb NOT NULL DEFAULT '[]',
        note         text,
        at           timestamptz NOT NULL DEFAULT now()
      )`);
    // A saga's timeline is read in insertion order.
    await db.query(`CREATE INDEX baton_saga_history_saga ON baton_saga_history (saga_id, id)`);

    // message_id is not unique: a retry resends a command under its first id
    // (so the participant's inbox dedupes it), as a new row.
    await db.query(`
      CREATE TABLE baton_outbox (
        id           bigserial PRIMARY KEY,
        message_id   uuid NOT NULL,
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
    // The relay's claim scans unpublished rows in id order; published rows
    // stay out of this index, so it stays as small as the backlog.
    await db.query(`CREATE INDEX baton_outbox_unpublished ON baton_outbox (id) WHERE published_at IS NULL`);
    // The claim's per-saga ordering check looks for an older unpublished row of the same saga.
    await db.query(`CREATE INDEX baton_outbox_unpublished_saga ON baton_outbox (saga_id, id) WHERE published_at IS NULL`);

    await db.query(`
      CREATE TABLE baton_inbox (
        message_id   text PRIMARY KEY,
        saga_id      uuid,
        message_type text NOT NULL,
        received_at  timestamptz NOT NULL DEFAULT now()
      )`);

    await db.query(`
      CREATE TABLE baton_timer (
        id         bigserial PRIMARY KEY,
        saga_id    uuid NOT NULL REFERENCES baton_saga (id) ON DELETE CASCADE,
        timer_key  text NOT NULL,
        due_at     timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (saga_id, timer_key)
      )`);
    // The poller claims the earliest due timers.
    await db.query(`CREATE INDEX baton_timer_due ON baton_timer (due_at)`);

    await db.query(`
      CREATE TABLE baton_dead_letter (
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
    for (const table of ['baton_dead_letter', 'baton_timer', 'baton_inbox', 'baton_outbox', 'baton_saga_history', 'baton_saga']) {
      await db.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
