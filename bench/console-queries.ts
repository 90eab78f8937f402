import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { SagaEngine, SagaRegistry } from '@baton/core';
import { SagaOrchestrator } from '@baton/nest';
import { createOrderFulfillmentSaga } from '@example/sagas';
import { SagaHistoryRepository, SagaRepository, SagaTimerRepository, createBatonDataSource, type SagaListFilter } from '@baton/postgres';
import { percentile } from './percentiles';

/**
 * `npm run bench:console`: what an operator console asks of the database,
 * on PostgreSQL (DATABASE_URL) in a schema of its own, dropped afterwards.
 * Inserts BENCH_CONSOLE_SAGAS sagas (default 100,000: a mix of statuses and
 * states with snapshots, inputs and four history rows each, in one
 * INSERT ... SELECT generate_series), then times 20 runs of each query
 * through the service layer (SagaOrchestrator, as the REST API calls it):
 * opening one saga (GET /sagas/:id and its history) and a few list
 * filters, and prints the plan of each list query with the index it uses.
 */

const URL = process.env.DATABASE_URL;
const SAGAS = Number(process.env.BENCH_CONSOLE_SAGAS ?? 100_000);
const RUNS = 20;
const TARGET_MS = 200;

/** Spread over the last 30 days, newest last; ids are uuid v7 of the start time, as the orchestrator makes them. */
const SEED = `
WITH g AS (
  SELECT g, (extract(epoch FROM now()) * 1000)::bigint - ($1::bigint - g) * (2592000000 / $1::bigint) AS ms,
         g % 20 AS kind, md5(g::text) AS h
    FROM generate_series(1, $1::bigint) AS g
), s AS (
  SELECT g, ms, h,
         (lpad(to_hex(ms), 12, '0') || '7' || substr(h, 1, 3) || '8' || substr(h, 4, 15))::uuid AS id,
         CASE WHEN g % 10 = 0 THEN 'refund' ELSE 'order-fulfillment' END AS name,
         CASE WHEN g % 3 = 0 THEN 1 ELSE 2 END AS definition_version,
         CASE WHEN kind < 14 THEN 'completed' WHEN kind = 14 THEN 'compensated' WHEN kind IN (15, 16) THEN 'running'
              WHEN kind = 17 THEN 'compensating' WHEN kind = 18 THEN 'stuck' ELSE 'aborted' END AS status,
         CASE WHEN kind < 14 THEN '"completed"'::jsonb WHEN kind = 14 THEN '"compensated"'::jsonb
              WHEN kind = 15 THEN '{"securing":{"stock":"reserved","payment":"authorizing"}}'::jsonb
              WHEN kind = 16 THEN '"shipping"'::jsonb
              WHEN kind IN (17, 18) THEN '{"compensating":"undoing"}'::jsonb ELSE '"aborted"'::jsonb END AS state_value,
         jsonb_build_object(
           'orderId', 'o-' || g, 'customerId', 'customer-' || (g % 997),
           'items', jsonb_build_array(jsonb_build_object('sku', 'SKU-' || (g % 13), 'quantity', 1 + g % 3)),
           'amountCents', 1000 + g % 9000, 'currency', 'EUR', 'paymentToken', 'tok_visa',
           'shippingAddress', jsonb_build_object('line1', 'Main St ' || g % 200, 'city', 'Berlin', 'postalCode', '10115', 'country', 'DE')
         ) AS input,
         to_timestamp(ms / 1000.0) AS created_at
    FROM g
)
INSERT INTO baton_saga (id, name, definition_version, status, state_value, snapshot, runtime, version, correlation_id,
                        idempotency_key, input_hash, input, created_at, updated_at, ended_at)
SELECT id, name, definition_version, status, state_value,
       jsonb_build_object('status', CASE WHEN status IN ('running', 'compensating', 'stuck') THEN 'active' ELSE 'done' END,
                          'value', state_value, 'historyValue', '{}'::jsonb, 'children', '{}'::jsonb,
                          'context', jsonb_build_object('order', input, 'reservationId', 'res-' || h, 'authorizationId', 'auth-' || h,
                                                        'shipmentId', CASE WHEN status = 'completed' THEN 'ship-' || h END)),
       jsonb_build_object('pending', '{}'::jsonb, 'transitions', 4, 'compensations', '[]'::jsonb),
       5, id::text,
       CASE WHEN g % 2 = 0 THEN 'key-' || g END, CASE WHEN g % 2 = 0 THEN h END,
       input, created_at, created_at + interval '3 seconds' + (g % 600) * interval '1 second',
       CASE WHEN status IN ('completed', 'compensated', 'aborted') THEN created_at + interval '3 seconds' END
  FROM s`;

const HISTORY = `
INSERT INTO baton_saga_history (saga_id, saga_version, kind, event_type, message_id, actor, from_state, to_state, status, commands, at)
SELECT s.id, v, CASE WHEN v = 1 THEN 'start' ELSE 'message' END,
       (ARRAY['OrderPlaced', 'StockReserved', 'PaymentAuthorized', 'ShipmentScheduled'])[v],
       md5(s.id::text || v), CASE WHEN v = 1 THEN 'api' ELSE 'participant' END,
       CASE WHEN v > 1 THEN '{"securing":{"stock":"reserving","payment":"authorizing"}}'::jsonb END,
       CASE WHEN v = 4 THEN s.state_value ELSE '{"securing":{"stock":"reserved","payment":"authorizing"}}'::jsonb END,
       CASE WHEN v = 4 THEN s.status ELSE 'running' END,
       jsonb_build_array(jsonb_build_object('type', 'ReserveStock', 'participant', 'inventory', 'messageId', md5(s.id::text))),
       s.created_at + v * interval '1 second'
  FROM baton_saga AS s, generate_series(1, 4) AS v`;

async function time(runs: number, work: (i: number) => Promise<unknown>): Promise<{ median: number; p95: number }> {
  await work(-1);
  await work(-2);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const began = performance.now();
    await work(i);
    times.push(performance.now() - began);
  }
  return { median: percentile(times, 50), p95: percentile(times, 95) };
}

async function explain(dataSource: DataSource, sagas: SagaRepository, filter: SagaListFilter): Promise<string[]> {
  const [sql, parameters] = sagas.listQuery(filter);
  const rows: Array<{ 'QUERY PLAN': string }> = await dataSource.query(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ${sql}`, parameters);
  return rows.map((row) => row['QUERY PLAN']);
}

const indexesIn = (plan: string[]) => [...new Set(plan.flatMap((line) => [...line.matchAll(/(?:Index(?: Only)? Scan(?: Backward)? using|Bitmap Index Scan on) (\w+)/g)].map((m) => m[1])))];

async function main(): Promise<void> {
  if (!URL) throw new Error('bench:console runs on PostgreSQL: set DATABASE_URL (postgres://user@host:5432/db).');
  if (!Number.isInteger(SAGAS) || SAGAS < 1000) throw new Error(`BENCH_CONSOLE_SAGAS must be an integer of at least 1000, got "${process.env.BENCH_CONSOLE_SAGAS}".`);
  const schema = `bench_console_${randomBytes(4).toString('hex')}`;
  const dataSource = await createBatonDataSource({ url: URL, schema });
  try {
    const began = performance.now();
    await dataSource.query(SEED, [SAGAS]);
    await dataSource.query(HISTORY);
    await dataSource.query('ANALYZE baton_saga; ANALYZE baton_saga_history');
    console.log(`Inserted ${SAGAS} sagas and ${SAGAS * 4} history rows in schema ${schema} in ${((performance.now() - began) / 1000).toFixed(1)} s.`);

    const sagas = new SagaRepository(dataSource);
    // Reads only: the unit of work (starts and steps) is not used.
    const orchestrator = new SagaOrchestrator(
      undefined as never,
      sagas,
      new SagaHistoryRepository(dataSource),
      new SagaTimerRepository(dataSource),
      new SagaRegistry([createOrderFulfillmentSaga()]),
      new SagaEngine(),
      dataSource,
    );
    const ids: string[] = (await dataSource.query(`SELECT id FROM baton_saga ORDER BY random() LIMIT ${RUNS + 2}`)).map((row: { id: string }) => row.id);
    const sample = (await sagas.findById(ids[0]))!;
    const day = 86_400_000;
    const now = Date.now();

    const lists: Array<[string, SagaListFilter]> = [
      ['name + status (running)', { name: 'order-fulfillment', status: 'running', limit: 50 }],
      ['name + status (stuck)', { name: 'order-fulfillment', status: 'stuck', limit: 50 }],
      ['name + version', { name: 'order-fulfillment', version: 1, limit: 50 }],
      ['input.orderId', { input: [{ path: ['orderId'], value: `o-${Math.floor(SAGAS / 3)}` }], limit: 50 }],
      ['input.customerId', { input: [{ path: ['customerId'], value: 'customer-42' }], limit: 50 }],
      // As GET /sagas passes them: no saga ends in these states (stateNotFinal, from the definitions).
      ['state securing.payment.authorizing', { name: 'order-fulfillment', state: ['securing', 'payment', 'authorizing'], stateNotFinal: true, limit: 50 }],
      ['state compensating (status stuck)', { state: ['compensating'], stateNotFinal: true, status: 'stuck', limit: 50 }],
      ['state completed (a final state)', { name: 'order-fulfillment', state: ['completed'], limit: 50 }],
      ['started in a day 10 days ago', { startedAfter: new Date(now - 11 * day), startedBefore: new Date(now - 10 * day), limit: 50 }],
      ['updated in a day 10 days ago + status', { updatedAfter: new Date(now - 11 * day), updatedBefore: new Date(now - 10 * day), status: 'completed', limit: 50 }],
      ['correlationId', { correlationId: sample.correlationId, limit: 50 }],
      ['key', { idempotencyKey: `key-${2 * Math.floor(SAGAS / 4)}`, limit: 50 }],
      ['name, next page deep in the list', { name: 'order-fulfillment', limit: 50, after: ids[1] }],
    ];

    const results: Array<{ query: string; median: number; p95: number; indexes: string }> = [];
    const open = await time(RUNS, (i) => Promise.all([orchestrator.get(ids[i + 2]), orchestrator.historyOf(ids[i + 2])]));
    results.push({ query: 'open one saga (get + history)', ...open, indexes: 'baton_saga_pkey, baton_saga_history_saga' });
    for (const [label, filter] of lists) {
      const plan = await explain(dataSource, sagas, filter);
      console.log(`\nEXPLAIN ${label}:\n  ${plan.join('\n  ')}`);
      results.push({ query: `list: ${label}`, ...(await time(RUNS, () => orchestrator.list(filter))), indexes: indexesIn(plan).join(', ') || 'none (Seq Scan)' });
    }
    const counts = await time(RUNS, () => orchestrator.counts({ name: 'order-fulfillment' }));
    results.push({ query: 'counts by status (name)', ...counts, indexes: '' });
    const countsVersion = await time(RUNS, () => orchestrator.counts({ name: 'order-fulfillment', version: 1 }));
    results.push({ query: 'counts by status (name + version)', ...countsVersion, indexes: '' });

    console.log(`\n${SAGAS} sagas, ${RUNS} runs each (ms; target < ${TARGET_MS}):`);
    console.table(results.map((r) => ({ query: r.query, median: +r.median.toFixed(2), p95: +r.p95.toFixed(2), index: r.indexes })));
    const slow = results.filter((r) => r.p95 >= TARGET_MS);
    console.log(slow.length ? `Over target: ${slow.map((r) => r.query).join('; ')}` : `Every query under ${TARGET_MS} ms at p95.`);
  } finally {
    await dataSource.query(`DROP SCHEMA ${schema} CASCADE`).catch((error) => console.error(`Could not drop schema ${schema}:`, error));
    await dataSource.destroy();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
