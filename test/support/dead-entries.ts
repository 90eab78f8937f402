import { PARTICIPANT_MIGRATIONS } from '@baton/participant';
import { BATON_ENTITIES, BATON_MIGRATIONS, createDataSource } from '@baton/postgres';
import type { DataSource } from 'typeorm';
import { TEST_DATABASE_URL, TestSchema } from './test-database';

/**
 * Tables whose partial indexes hold dead entries, as they do between two
 * vacuums: rows that left the index's condition (published, ended) since.
 */

/** A new schema with Baton's and the participants' tables. */
export async function migratedSchema(prefix: string): Promise<{ schema: TestSchema; dataSource: DataSource }> {
  const schema = await TestSchema.create(prefix);
  const dataSource = await createDataSource({
    url: TEST_DATABASE_URL,
    schema: schema.name,
    entities: BATON_ENTITIES,
    migrations: [...BATON_MIGRATIONS, ...PARTICIPANT_MIGRATIONS],
  });
  return { schema, dataSource };
}

/** `published` rows written and published (autovacuum off for the table, so their dead entries stay), then `unpublished` rows written. */
export async function fillOutbox(dataSource: DataSource, table: 'baton_outbox' | 'participant_outbox', published: number, unpublished: number): Promise<void> {
  await dataSource.query(`ALTER TABLE ${table} SET (autovacuum_enabled = off)`);
  const insert = `INSERT INTO ${table} (message_id, saga_id, topic, sender, message_type, envelope)
                  SELECT gen_random_uuid(), gen_random_uuid(), 'saga.replies', 'inventory', 'StockReserved', '{}' FROM generate_series(1, $1)`;
  await dataSource.query(insert, [published]);
  await dataSource.query(`UPDATE ${table} SET published_at = now()`);
  await dataSource.query(insert, [unpublished]);
}

/** `ended` sagas started and ended (autovacuum off for baton_saga, so their dead entries stay), then `running` sagas started. */
export async function fillSagas(dataSource: DataSource, ended: number, running: number): Promise<void> {
  await dataSource.query(`ALTER TABLE baton_saga SET (autovacuum_enabled = off)`);
  const insert = `INSERT INTO baton_saga (id, name, definition_version, status, state_value, snapshot, version, correlation_id)
                  SELECT gen_random_uuid(), 'order', 1, 'running', '"waiting"', '{}', 1, 'order-' || g FROM generate_series(1, $1) AS g`;
  await dataSource.query(insert, [ended]);
  await dataSource.query(`UPDATE baton_saga SET status = 'completed', ended_at = now()`);
  await dataSource.query(insert, [running]);
}
