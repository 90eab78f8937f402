import type { MigrationInterface, QueryRunner } from 'typeorm';
import { moveLegacyRaw } from './0005-dead-letter-raw-bytes.migration';

/** The participant's dead letters keep the raw message too, as the orchestrator's do (migration 0005). */
export class ParticipantDeadLetterRawBytes1763800000103 implements MigrationInterface {
  name = 'ParticipantDeadLetterRawBytes1763800000103';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE participant_dead_letter ADD COLUMN raw_key bytea, ADD COLUMN raw_value bytea, ADD COLUMN raw_headers jsonb`);
    await db.query(moveLegacyRaw('participant_dead_letter'));
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE participant_dead_letter DROP COLUMN raw_key, DROP COLUMN raw_value, DROP COLUMN raw_headers`);
  }
}
