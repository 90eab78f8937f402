import { randomUUID } from 'node:crypto';
import { OutboxRepository } from '@baton/postgres';
import type { DataSource } from 'typeorm';
import { WriteStatement } from '../libs/postgres/src/write-statement';
import { fillOutbox, migratedSchema } from './support/dead-entries';
import { orderReply } from './support/envelopes';
import type { TestSchema } from './support/test-database';

/**
 * An outbox insert asks, per message, whether an older row of its saga,
 * sender and topic is still unpublished (if not, the row is written leased
 * to the writer's relay). Rows published since the last vacuum leave dead
 * entries in the indexes of unpublished rows; the check must read only the
 * saga's entries, not every entry, or every write grows slower between two
 * vacuums (in the benchmark: 1300 buffers per statement). Checked on the
 * plan Postgres picks for the statement, against the real PostgreSQL.
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

beforeAll(async () => {
  ({ schema, dataSource } = await migratedSchema('lease_check'));
  for (const table of ['baton_outbox', 'participant_outbox'] satisfies Table[]) {
    // Dead entries stay until this test is done with them.
    await fillOutbox(dataSource, table, PUBLISHED_SINCE_VACUUM, UNPUBLISHED);
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
