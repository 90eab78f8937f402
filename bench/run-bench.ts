import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { DataSource } from 'typeorm';
import { BATON_DATA_SOURCE, SagaOrchestrator } from '@baton/nest';
import { AppModule } from '../src/app.module';
import { loadConfig } from '../src/config/app.config';
import { measureStepCeiling } from './database-ceiling';
import { distribution, type Distribution } from './percentiles';

/**
 * `npm run bench`: runs N order sagas (mixed outcomes) through the host and
 * its in-process participants, on the embedded database, or on PostgreSQL
 * with DATABASE_URL, over Kafka with KAFKA_BROKERS; then measures, in the
 * same run, the database's ceiling for the transaction one step needs.
 * Writes bench-results/<time>.json and prints a table.
 */

const SAGAS = Number(process.env.BENCH_SAGAS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const CEILING_MS = Number(process.env.BENCH_CEILING_MS ?? 5000);
const MIX = ['completes', 'completes', 'completes', 'completes', 'completes', 'completes', 'completes', 'stock-refused', 'payment-refused', 'payment-times-out'] as const;

function order(i: number) {
  const scenario = MIX[i % MIX.length];
  return {
    orderId: `bench-${i}`,
    customerId: `customer-${i % 97}`,
    items: [{ sku: scenario === 'stock-refused' ? 'OOS-BENCH' : `SKU-${i % 13}`, quantity: 1 + (i % 3) }],
    amountCents: 1000 + i,
    currency: 'EUR',
    paymentToken: scenario === 'payment-refused' ? 'tok_declined' : scenario === 'payment-times-out' ? 'tok_unresponsive' : 'tok_visa',
    shippingAddress: { line1: 'Main St 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
  };
}

async function main(): Promise<void> {
  const schema = process.env.DATABASE_URL ? `bench_${Date.now()}` : undefined;
  const config = loadConfig({
    ...process.env,
    PGLITE_DATA_DIR: 'memory://',
    ...(schema ? { DATABASE_SCHEMA: schema } : {}),
    PARTICIPANTS: 'in-process',
    ORDER_PAYMENT_TIMEOUT_MS: process.env.ORDER_PAYMENT_TIMEOUT_MS ?? '1000',
    TIMER_POLL_INTERVAL_MS: '50',
    MAX_STARTS_PER_SECOND: '1000000',
    MAX_SAGAS_IN_FLIGHT: '100000000',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  });
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), { logger: ['error', 'warn'] });
  await app.init();
  const orchestrator = app.get(SagaOrchestrator);
  const dataSource = app.get<DataSource>(BATON_DATA_SOURCE);
  const database = config.databaseUrl ? 'postgres' : 'pglite';
  const transport = config.kafka ? 'kafka' : 'in-process';

  let peakRss = process.memoryUsage().rss;
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  const endedCount = async () =>
    Number((await dataSource.query(`SELECT count(*) AS n FROM baton_saga WHERE ended_at IS NOT NULL AND name = 'order-fulfillment'`))[0].n);

  // Closed loop: keep CONCURRENCY sagas in flight until SAGAS have started, then wait for the rest.
  let started = 0;
  let ended = 0;
  const t0 = Date.now();
  let drawnAt = 0;
  const progress = () => {
    if (Date.now() - drawnAt < 250 && ended < SAGAS) return;
    drawnAt = Date.now();
    const width = 30;
    const filled = Math.round((ended / SAGAS) * width);
    const rate = ended / Math.max(0.001, (Date.now() - t0) / 1000);
    process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${ended}/${SAGAS} sagas ended, ${rate.toFixed(0)}/s   `);
  };
  while (ended < SAGAS) {
    const room = Math.min(SAGAS - started, CONCURRENCY - (started - ended));
    await Promise.all(Array.from({ length: Math.max(0, room) }, () => orchestrator.start({ name: 'order-fulfillment', input: order(started++) })));
    await new Promise((resolve) => setTimeout(resolve, 10));
    ended = await endedCount();
    progress();
  }
  process.stderr.write('\n');
  clearInterval(rssTimer);

  const [span] = await dataSource.query(
    `SELECT EXTRACT(EPOCH FROM (max(ended_at) - min(created_at))) * 1000 AS ms, count(*) AS n FROM baton_saga`,
  );
  const elapsedMs = Number(span.ms);
  const [steps] = await dataSource.query(`SELECT count(*) AS n FROM baton_saga_history WHERE kind <> 'ignored'`);
  const ms = (rows: Array<{ ms: string | number }>) => rows.map((row) => Number(row.ms));
  const sagaDurations = ms(await dataSource.query(`SELECT EXTRACT(EPOCH FROM (ended_at - created_at)) * 1000 AS ms FROM baton_saga`));
  const stepLatency = ms(
    await dataSource.query(
      `SELECT EXTRACT(EPOCH FROM (o.published_at - h.at)) * 1000 AS ms
         FROM baton_saga_history h
         CROSS JOIN LATERAL jsonb_array_elements(h.commands) c
         JOIN baton_outbox o ON o.message_id = (c->>'messageId')::uuid
        WHERE h.kind = 'message' AND o.published_at IS NOT NULL`,
    ),
  );
  const outboxLag = ms(
    await dataSource.query(`SELECT EXTRACT(EPOCH FROM (published_at - created_at)) * 1000 AS ms FROM baton_outbox WHERE published_at IS NOT NULL`),
  );
  const statuses = await dataSource.query(`SELECT status, count(*) AS n FROM baton_saga GROUP BY status ORDER BY status`);

  process.stderr.write(`Measuring the database ceiling (${CEILING_MS} ms) ...\n`);
  const clients = database === 'pglite' ? 1 : config.databasePoolSize;
  const ceiling = await measureStepCeiling(dataSource, clients, CEILING_MS);
  await app.close();
  if (schema) {
    const { Client } = await import('pg');
    const client = new Client({ connectionString: config.databaseUrl });
    await client.connect();
    await client.query(`DROP SCHEMA ${schema} CASCADE`);
    await client.end();
  }

  const sagasPerSecond = (Number(span.n) / elapsedMs) * 1000;
  const stepsPerSecond = (Number(steps.n) / elapsedMs) * 1000;
  const round = (d: Distribution) => ({ p50: +d.p50.toFixed(1), p95: +d.p95.toFixed(1), p99: +d.p99.toFixed(1) });
  const result = {
    at: new Date().toISOString(),
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
    database,
    transport,
    sagas: Number(span.n),
    concurrency: CONCURRENCY,
    statuses: Object.fromEntries(statuses.map((s: { status: string; n: string }) => [s.status, Number(s.n)])),
    elapsedMs: Math.round(elapsedMs),
    sagasPerSecond: +sagasPerSecond.toFixed(1),
    stepsPerSecond: +stepsPerSecond.toFixed(1),
    sagaDurationMs: round(distribution(sagaDurations)),
    stepLatencyMs: round(distribution(stepLatency)),
    outboxLagMs: round(distribution(outboxLag)),
    peakRssMb: Math.round(peakRss / 1024 / 1024),
    ceiling: { stepTransactionsPerSecond: +ceiling.toFixed(1), clients },
    stepsPerCeiling: +(stepsPerSecond / ceiling).toFixed(3),
  };
  const dir = join(process.cwd(), 'bench-results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${result.at.replace(/[:.]/g, '-')}-${database}-${transport}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2));
  console.table({
    'sagas/s': result.sagasPerSecond,
    'steps/s': result.stepsPerSecond,
    'ceiling tx/s': result.ceiling.stepTransactionsPerSecond,
    'steps/s ÷ ceiling': result.stepsPerCeiling,
    'saga p50/p95/p99 ms': `${result.sagaDurationMs.p50} / ${result.sagaDurationMs.p95} / ${result.sagaDurationMs.p99}`,
    'step latency p50/p95/p99 ms': `${result.stepLatencyMs.p50} / ${result.stepLatencyMs.p95} / ${result.stepLatencyMs.p99}`,
    'outbox lag p50/p95/p99 ms': `${result.outboxLagMs.p50} / ${result.outboxLagMs.p95} / ${result.outboxLagMs.p99}`,
    'peak RSS MB': result.peakRssMb,
  });
  console.log(`${result.sagas} sagas on ${database} over ${transport} (${JSON.stringify(result.statuses)}); figures in ${file}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
