import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A dead letter keeps the message exactly as it arrived: its key and value
 * as bytes, its headers as names with base64 values, whatever they hold
 * (text PostgreSQL cannot store, bytes that are not UTF-8). Rows written
 * before kept an undecodable message as `envelope = { raw }`, text already
 * decoded: moved into the new columns as the UTF-8 of that text.
 */
export class DeadLetterRawBytes1763800000005 implements MigrationInterface {
  name = 'DeadLetterRawBytes1763800000005';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE baton_dead_letter ADD COLUMN raw_key bytea, ADD COLUMN raw_value bytea, ADD COLUMN raw_headers jsonb`);
    await db.query(moveLegacyRaw('baton_dead_letter'));
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE baton_dead_letter DROP COLUMN raw_key, DROP COLUMN raw_value, DROP COLUMN raw_headers`);
  }
}

/** Moves `envelope = { raw: { key, value, headers } }` (text) of older rows into the raw columns. */
export function moveLegacyRaw(table: string): string {
  return `
    UPDATE ${table} SET
      raw_key = convert_to(envelope->'raw'->>'key', 'UTF8'),
      raw_value = convert_to(envelope->'raw'->>'value', 'UTF8'),
      raw_headers = COALESCE(
        (SELECT jsonb_agg(jsonb_build_object('name', h.key, 'value', translate(encode(convert_to(h.value, 'UTF8'), 'base64'), E'\\n', '')))
           FROM jsonb_each_text(envelope->'raw'->'headers') AS h),
        '[]'::jsonb),
      envelope = NULL
    WHERE envelope ? 'raw'`;
}
