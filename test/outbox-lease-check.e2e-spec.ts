import { randomUUID } from 'node:crypto';
import { PARTICIPANT_MIGRATIONS } from '@baton/participant';
import { BATON_ENTITIES, BATON_MIGRATIONS, OutboxRepository, createDataSource } from '@baton/postgres';
import type { DataSource } from 'typeorm';
import { WriteStatement } from '../libs/postgres/src/write-statement';
import { orderReply } from './support/envelopes';
import { eventually } from './support/orders';
import { TEST_DATABASE_URL, TestSchema } from './support/test-database';

/**
 * Rows published since the last vacuum leave dead entries in the indexes of
 * unpublished rows, and two statements read past them.
 *
 * An outbox insert asks, per message, whether an older row of its saga,
 * sender and topic is still unpublished (if not, the row is written leased
 * to the writer's relay). Rows published since the last vacuum leave dead
 * entries in the indexes of unpublished rows; the check must read only the
 * saga's entries, not every entry, or every write grows slower between two
 * vacuums (in the benchmark: 1300 buffers per statement). Checked on the
 * plan Postgres picks for the statement, against the real PostgreSQL.
 *
 * A relay's claim reads the oldest unpublished rows on the (id) index. It
 * must mark the dead entries it passes (a plain index scan does, a bitmap
 * scan does not), so that later scans skip them instead of reading their
 * rows again, claim after claim, until the next vacuum. Checked on a table
 * that was never analysed, as in the benchmark.
 */

type Table = 'baton_outbox' | 'participant_outbox';
const PUBLISHED_SINCE_VACUUM = 5_000;
const UNPUBLISHED = 50;

let schema: TestSchema;
let dataSource: DataSource;

const message = (sagaId: string, n: number) => ({ topic: 'saga.replies', envelope: orderReply(sagaId, 'StockReserved', { n }) });

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Actual Loops': number;
  'Shared Hit Blocks': number;
  'Shared Read Blocks': number;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/** A new schema with Baton's and the participants' tables. */
async function migratedSchema(prefix: string): Promise<{ schema: TestSchema; dataSource: DataSource }> {
  const schema = await TestSchema.create(prefix);
  const dataSource = await createDataSource({
    url: TEST_DATABASE_URL,
    schema: schema.name,
    entities: BATON_ENTITIES,
    migrations: [...BATON_MIGRATIONS, ...PARTICIPANT_MIGRATIONS],
  });
  return { schema, dataSource };
}

/** PUBLISHED_SINCE_VACUUM rows published (dead entries in the indexes of unpublished rows, kept: no autovacuum), then UNPUBLISHED rows not yet. */
async function fillOutbox(dataSource: DataSource, table: Table): Promise<void> {
  await dataSource.query(`ALTER TABLE ${table} SET (autovacuum_enabled = off)`);
  const insert = `INSERT INTO ${table} (message_id, saga_id, topic, sender, message_type, envelope)
                  SELECT gen_random_uuid(), gen_random_uuid(), 'saga.replies', 'inventory', 'StockReserved', '{}' FROM generate_series(1, $1)`;
  await dataSource.query(insert, [PUBLISHED_SINCE_VACUUM]);
  await dataSource.query(`UPDATE ${table} SET published_at = now()`);
  await dataSource.query(insert, [UNPUBLISHED]);
}

beforeAll(async () => {
  ({ schema, dataSource } = await migratedSchema('lease_check'));
  for (const table of ['baton_outbox', 'participant_outbox'] satisfies Table[]) {
    await fillOutbox(dataSource, table);
    await dataSource.query(`ANALYZE ${table}`);
  }
});

afterAll(async () => {
  await dataSource?.destroy();
  await schema?.drop();
});

describe.each(['baton_outbox', 'participant_outbox'] satisfies Table[])('The lease check of an insert into %s', (table) => {
  it("reads the saga's unpublished rows on the (saga_id, id) index, once per message, whatever was published since the last vacuum", async () => {
    const statement = new WriteStatement();
    const sagaId = randomUUID();
    new OutboxRepository(dataSource, table).addInsert(statement, [message(sagaId, 1), message(sagaId, 2), message(sagaId, 3)], 5_000, 'inventory');
    const { text, values } = statement.query;

    const runner = dataSource.createQueryRunner();
    await runner.startTransaction();
    try {
      const [{ 'QUERY PLAN': [{ Plan: plan }] }] = await runner.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${text}`, values);
      const scans = nodes(plan).filter((node) => node['Index Name']);
      expect(scans.map((node) => [node['Index Name'], node['Actual Loops']])).toEqual([[`${table}_unpublished_saga`, 3]]);
      // The whole insert (three rows, their index entries, the check): a few dozen buffers, not the thousands a scan of every dead entry reads.
      expect(plan['Shared Hit Blocks'] + plan['Shared Read Blocks']).toBeLessThan(150);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });
});

describe.each(['baton_outbox', 'participant_outbox'] satisfies Table[])('A claim of %s', (table) => {
  let claimSchema: TestSchema;
  let claimSource: DataSource;

  beforeAll(async () => {
    ({ schema: claimSchema, dataSource: claimSource } = await migratedSchema('claim_scan'));
    await fillOutbox(claimSource, table);
  });

  afterAll(async () => {
    await claimSource?.destroy();
    await claimSchema?.drop();
  });

  /** Buffers a bitmap scan of the unpublished rows reads: the index, and the table rows of every entry not marked dead. */
  async function unpublishedScan(): Promise<number> {
    const runner = claimSource.createQueryRunner();
    await runner.startTransaction();
    try {
      await runner.query(`SET LOCAL enable_indexscan = off`);
      await runner.query(`SET LOCAL enable_seqscan = off`);
      const [{ 'QUERY PLAN': [{ Plan: plan }] }] = await runner.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT id FROM ${table} WHERE published_at IS NULL`);
      expect(nodes(plan).map((node) => node['Node Type'])).toContain('Bitmap Heap Scan');
      return plan['Shared Hit Blocks'] + plan['Shared Read Blocks'];
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  }

  it('marks the dead entries it passes, so that later scans of the unpublished rows do not read the published ones', async () => {
    const before = await unpublishedScan();
    const outbox = new OutboxRepository(claimSource, table);
    const first = await outbox.claim(100, 5_000);
    expect(first.rows).toHaveLength(UNPUBLISHED);
    // Entries are marked only once their rows are dead to every transaction, and other test files run
    // transactions alongside this one: claim again (nothing is left to lease) until the marks show.
    await eventually(
      async () => {
        expect((await outbox.claim(100, 5_000)).rows).toEqual([]);
        return (await unpublishedScan()) * 4 < before || undefined;
      },
      30_000,
      `a scan of the unpublished rows reading under a quarter of the ${before} buffers it read before the claims`,
    );
  }, 60_000);
});
