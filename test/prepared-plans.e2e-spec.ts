import type { NestExpressApplication } from '@nestjs/platform-express';
import { Client } from 'pg';
import type { PipelineStatement } from '../libs/postgres/src/pipeline';
import { EXPECTED_STATUS, SCENARIOS, eventually, startOrders } from './support/orders';
import { bootTestApp } from './support/test-app';
import { TEST_DATABASE_URL, TestSchema } from './support/test-database';

/**
 * Statements kept prepared (sql()'s `prepared`, pipeline.ts) are planned
 * once for all parameters, for the tables' sizes at the time, and parsed
 * again on their connection after 32, 64, 128, ... runs, so their plans
 * follow the tables as they grow (where autovacuum is off, nothing else
 * would: a plan made on empty tables is kept). That only helps if, on
 * tables of a realistic size, the plan PostgreSQL makes for all parameters
 * reads each table through an index: a sequential scan there would cost
 * every step a read of the whole table. This runs every order scenario
 * through the host and its in-process participants on a new schema,
 * gathers what they kept prepared, grows Baton's tables to 20000 rows each
 * (not analysed, as on a database without autovacuum), and checks each
 * statement's generic plan.
 */

/** Rows enough that a sequential scan is never the cheapest way to find a few of them. */
const FILLER = 20_000;
const FILL = [
  `INSERT INTO baton_saga (id, name, definition_version, status, state_value, snapshot, version, correlation_id)
   SELECT gen_random_uuid(), 'filler', 1, 'completed', '"done"', '{}', 1, 'filler-' || g FROM generate_series(1, ${FILLER}) AS g`,
  `INSERT INTO baton_saga_history (saga_id, saga_version, kind, event_type, actor, to_state, status)
   SELECT id, 1, 'filler', 'Filler', 'filler', '"done"', 'completed' FROM baton_saga WHERE name = 'filler'`,
  `INSERT INTO baton_timer (saga_id, timer_key, due_at) SELECT id, 'filler', now() + interval '1 day' FROM baton_saga WHERE name = 'filler'`,
  `INSERT INTO baton_inbox (message_id, message_type) SELECT 'filler-' || g, 'Filler' FROM generate_series(1, ${FILLER}) AS g`,
  `INSERT INTO participant_inbox (participant, message_id) SELECT 'filler', 'filler-' || g FROM generate_series(1, ${FILLER}) AS g`,
  ...['baton_outbox', 'participant_outbox'].map(
    (table) => `INSERT INTO ${table} (message_id, saga_id, topic, message_type, envelope, published_at)
     SELECT gen_random_uuid(), gen_random_uuid(), 'filler', 'Filler', '{}', CASE WHEN g % 2 = 0 THEN now() END FROM generate_series(1, ${FILLER}) AS g`,
  ),
];

type PlanNode = { 'Node Type': string; 'Relation Name'?: string; Plans?: PlanNode[] };

const sequentialScans = (node: PlanNode): string[] => [
  ...(node['Node Type'] === 'Seq Scan' ? [node['Relation Name'] ?? '?'] : []),
  ...(node.Plans ?? []).flatMap(sequentialScans),
];

let schema: TestSchema;
let app: NestExpressApplication | undefined;
const prepared = new Set<string>();
const query = Client.prototype.query;

beforeAll(async () => {
  // What the host's and the participants' pipelines keep prepared, seen where they reach pg's Client.
  Client.prototype.query = function (this: Client, ...args: unknown[]) {
    const submitted = args[0] as { constructor?: { name?: string }; statements?: PipelineStatement[] } | undefined;
    if (submitted?.constructor?.name === 'Pipeline') {
      for (const statement of submitted.statements ?? []) if (statement.prepared) prepared.add(statement.text.trim());
    }
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  schema = await TestSchema.create('plans');
  ({ app } = await bootTestApp({ DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema.name, ORDER_PAYMENT_TIMEOUT_MS: '300' }));
  await app.listen(0, '127.0.0.1');
}, 60_000);

afterAll(async () => {
  Client.prototype.query = query;
  await app?.close();
  await schema?.drop();
});

it('keeps prepared only statements whose plan for all parameters reads every table through an index', async () => {
  const { port } = app!.getHttpServer().address() as { port: number };
  const started = await startOrders(`http://127.0.0.1:${port}`, 2 * SCENARIOS.length, 'plans');
  const client = new Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${schema.name}` });
  await client.connect();
  try {
    await eventually(async () => {
      const { rows } = await client.query(`SELECT count(*)::int AS n FROM baton_saga WHERE id = ANY($1::uuid[]) AND status = ANY($2::text[])`, [
        started.map(({ id }) => id),
        [...new Set(Object.values(EXPECTED_STATUS))],
      ]);
      return rows[0].n === started.length || undefined;
    }, 60_000, 'every order saga to end');

    const texts = [...prepared];
    // Every kind of step wrote or read through a prepared statement: starts, replies and timers, commands and
    // compensations, and so did the relays' marks and the timer poller.
    const kinds = [
      /^INSERT INTO baton_saga\b/,
      /^WITH seen AS/,
      /^WITH saga_rows AS/,
      /^INSERT INTO participant_inbox/,
      /INSERT INTO participant_outbox/,
      /^WITH fence AS/,
      /^UPDATE baton_outbox AS o SET published_at/,
      /^UPDATE participant_outbox AS o SET published_at/,
      /^SELECT id FROM baton_timer/,
      /^UPDATE baton_timer AS t/,
      /^SELECT EXTRACT\(EPOCH FROM \(LEAST/,
    ];
    for (const kind of kinds) {
      expect({ kind: String(kind), found: texts.some((text) => kind.test(text)) }).toEqual({ kind: String(kind), found: true });
    }

    for (const fill of FILL) await client.query(fill);
    await client.query(`SET plan_cache_mode = force_generic_plan`);
    const scans: Array<{ statement: string; tables: string[] }> = [];
    for (const [i, text] of texts.entries()) {
      await client.query(`PREPARE generic_${i} AS ${text}`);
      const { rows } = await client.query(`SELECT cardinality(parameter_types) AS n FROM pg_prepared_statements WHERE name = $1`, [`generic_${i}`]);
      const values = rows[0].n ? `(${Array.from({ length: rows[0].n }, () => 'NULL').join(', ')})` : '';
      const [{ 'QUERY PLAN': plans }] = (await client.query(`EXPLAIN (FORMAT JSON) EXECUTE generic_${i}${values}`)).rows;
      const tables = sequentialScans(plans[0].Plan);
      if (tables.length) scans.push({ statement: text.slice(0, 100), tables });
    }
    expect(scans).toEqual([]);
  } finally {
    await client.end();
  }
}, 120_000);
