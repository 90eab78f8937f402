import { OutboxRepository, SagaRepository, inSnapshot } from '@baton/postgres';
import type { DataSource } from 'typeorm';
import { fillOutbox, fillSagas, migratedSchema } from './support/dead-entries';
import { eventually } from './support/orders';
import type { TestSchema } from './support/test-database';

/**
 * Statements that run again and again (a relay's claim, the gauges, the
 * admission's count of sagas in flight) read a partial index whose rows
 * leave it: unpublished outbox rows, unended sagas. Between two vacuums
 * every row that left keeps a dead entry there. Each of these statements
 * must mark the dead entries it passes (a plain index scan does, a bitmap
 * scan does not), so that no later scan reads those rows again, run after
 * run, until the next vacuum (sqlMarkingDeadEntries). Checked through the
 * repositories' own methods, against the real PostgreSQL, on tables never
 * analysed, as in the benchmark.
 */

const LEFT_SINCE_VACUUM = 5_000;
const STILL_IN = 50;

type PlanNode = { 'Node Type': string; 'Shared Hit Blocks': number; 'Shared Read Blocks': number; Plans?: PlanNode[] };
const nodeTypes = (node: PlanNode): string[] => [node['Node Type'], ...(node.Plans ?? []).flatMap(nodeTypes)];

let schema: TestSchema;
let dataSource: DataSource;

afterEach(async () => {
  await dataSource?.destroy();
  await schema?.drop();
});

/** Buffers a bitmap scan of the rows still in the index reads: its entries, and the table rows of those not marked dead. */
async function bitmapScan(select: string): Promise<number> {
  const runner = dataSource.createQueryRunner();
  await runner.startTransaction();
  try {
    await runner.query(`SET LOCAL enable_indexscan = off`);
    await runner.query(`SET LOCAL enable_seqscan = off`);
    const [{ 'QUERY PLAN': [{ Plan: plan }] }]: Array<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }> = await runner.query(
      `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${select}`,
    );
    expect(nodeTypes(plan)).toContain('Bitmap Heap Scan');
    return plan['Shared Hit Blocks'] + plan['Shared Read Blocks'];
  } finally {
    await runner.rollbackTransaction();
    await runner.release();
  }
}

/**
 * Runs `read` (which must answer `expected` each time) until a bitmap scan
 * of the index reads under a quarter of the `before` buffers it read before
 * anything ran: entries are marked only once their rows are dead to every
 * transaction, and other test files run transactions alongside this one.
 */
async function expectDeadEntriesMarked(select: string, before: number, read: () => Promise<unknown>, expected: unknown): Promise<void> {
  await eventually(
    async () => {
      expect(await read()).toEqual(expected);
      return (await bitmapScan(select)) * 4 < before || undefined;
    },
    90_000,
    `a scan of the index reading under a quarter of the ${before} buffers it read before`,
  );
}

describe.each(['baton_outbox', 'participant_outbox'] as const)('The unpublished rows of %s', (table) => {
  beforeEach(async () => {
    ({ schema, dataSource } = await migratedSchema('dead_outbox'));
    await fillOutbox(dataSource, table, LEFT_SINCE_VACUUM, STILL_IN);
  });

  const unpublished = `SELECT id FROM ${table} WHERE published_at IS NULL`;

  it("are claimed by a relay's claim, which marks the published rows' entries as it passes them", async () => {
    const outbox = new OutboxRepository(dataSource, table);
    const before = await bitmapScan(unpublished);
    expect((await outbox.claim(100, 600_000)).rows).toHaveLength(STILL_IN);
    // Nothing is left to lease (the leases outlast the test): the next claims only read.
    await expectDeadEntriesMarked(unpublished, before, async () => (await outbox.claim(100, 600_000)).rows.length, 0);
  }, 120_000);

  it('are counted by the backlog gauge, which marks the published rows\' entries as it passes them', async () => {
    const outbox = new OutboxRepository(dataSource, table);
    await expectDeadEntriesMarked(unpublished, await bitmapScan(unpublished), async () => (await outbox.backlog()).count, STILL_IN);
  }, 120_000);

  it("are counted in the gauges' snapshot, a transaction of the caller's, which marks the published rows' entries as it passes them", async () => {
    const outbox = new OutboxRepository(dataSource, table);
    const count = () => inSnapshot(dataSource.manager, async (tx) => (await outbox.backlog(tx)).count);
    await expectDeadEntriesMarked(unpublished, await bitmapScan(unpublished), count, STILL_IN);
  }, 120_000);
});

describe('The unended sagas', () => {
  beforeEach(async () => {
    ({ schema, dataSource } = await migratedSchema('dead_sagas'));
    await fillSagas(dataSource, LEFT_SINCE_VACUUM, STILL_IN);
  });

  const unended = `SELECT id FROM baton_saga WHERE ended_at IS NULL`;

  it("are counted for admission (sagas in flight), which marks the ended sagas' entries as it passes them", async () => {
    const sagas = new SagaRepository(dataSource);
    await expectDeadEntriesMarked(unended, await bitmapScan(unended), () => sagas.countUnended(), STILL_IN);
  }, 120_000);

  it("are counted by name and status for the gauges, which mark the ended sagas' entries as they pass them", async () => {
    const sagas = new SagaRepository(dataSource);
    await expectDeadEntriesMarked(unended, await bitmapScan(unended), () => sagas.countInFlight(), [{ name: 'order', status: 'running', count: STILL_IN }]);
  }, 120_000);

  it("are counted in the gauges' snapshot, a transaction of the caller's, which marks the ended sagas' entries as it passes them", async () => {
    const sagas = new SagaRepository(dataSource);
    const count = () => inSnapshot(dataSource.manager, (tx) => sagas.countInFlight(tx));
    await expectDeadEntriesMarked(unended, await bitmapScan(unended), count, [{ name: 'order', status: 'running', count: STILL_IN }]);
  }, 120_000);

  it("are counted by state for the overview, which marks the ended sagas' entries as it passes them", async () => {
    const sagas = new SagaRepository(dataSource);
    await expectDeadEntriesMarked(unended, await bitmapScan(unended), () => sagas.countInFlightByState(10), [{ name: 'order', status: 'running', stateValue: 'waiting', count: STILL_IN }]);
  }, 120_000);
});
