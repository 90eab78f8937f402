import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The PostgreSQL the suites run against: the machine's, unless TEST_DATABASE_URL says otherwise. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * A schema of its own for one suite, dropped afterwards, so suites can run in
 * parallel against one server without seeing each other's rows.
 */
export class TestSchema {
  private constructor(readonly name: string) {}

  static async create(prefix: string): Promise<TestSchema> {
    const name = `t_${prefix}_${randomBytes(4).toString('hex')}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
    await withClient((client) => client.query(`CREATE SCHEMA ${name}`));
    return new TestSchema(name);
  }

  async drop(): Promise<void> {
    await withClient((client) => client.query(`DROP SCHEMA IF EXISTS ${this.name} CASCADE`));
  }
}

async function withClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: TEST_DATABASE_URL });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `The Postgres suites need a PostgreSQL server at ${TEST_DATABASE_URL} (set TEST_DATABASE_URL to use another): ${(error as Error).message}`,
    );
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
