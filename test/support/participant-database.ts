import type { DataSource } from 'typeorm';
import { PARTICIPANT_MIGRATIONS } from '@baton/participant';
import { createDataSource } from '@baton/postgres';
import { TEST_DATABASE_URL, TestSchema } from './test-database';

/**
 * A participant's database in a schema of its own: the participant tables,
 * and `reservations`, where the test handlers record what they did.
 */
export async function participantDatabase(prefix: string, poolSize = 4): Promise<{ schema: TestSchema; dataSource: DataSource }> {
  const schema = await TestSchema.create(prefix);
  const dataSource = await createDataSource({
    url: TEST_DATABASE_URL,
    schema: schema.name,
    poolSize,
    migrations: PARTICIPANT_MIGRATIONS,
  });
  await dataSource.query(
    `CREATE TABLE reservations (id bigserial PRIMARY KEY, order_id text NOT NULL, command_id uuid NOT NULL, at timestamptz NOT NULL DEFAULT now())`,
  );
  return { schema, dataSource };
}
