import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { NestFactory } from '@nestjs/core';
import { Kafka, logLevel } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { BATON_DATA_SOURCE, SagaOrchestrator } from '@baton/nest';
import { SagaStepUnitOfWork, type StepPhases } from '@baton/postgres';
import { AppModule } from '../src/app.module';
import { loadConfig } from '../src/config/app.config';
import { loadExampleConfig } from '../src/config/example.config';
import { measureCeiling, type StepSample } from './database-ceiling';
import { PHASES, latencyBreakdown, type Phase } from './latency-breakdown';
import { RssSampler, measureCpu, settledMemory } from './machine-load';
import { distribution, type Distribution } from './percentiles';
import { SagaCounters, closedLoop, openLoop } from './saga-load';

/**
 * `npm run bench`: order sagas (70% completing, 30% compensating: stock
 * refused, payment refused, payment timing out) through the host and its
 * in-process participants, on the embedded database, on PostgreSQL with
 * DATABASE_URL, over Kafka with KAFKA_BROKERS. Three phases:
 *
 * 1. peak: BENCH_SAGAS sagas, BENCH_CONCURRENCY in flight (closed loop),
 *    after a warm-up: sagas and steps per second, saga duration, step
 *    latency, outbox lag, CPU and memory;
 * 2. half load: sagas started at half the peak rate for
 *    BENCH_HALF_LOAD_SECONDS (open loop): step latency there;
 * 3. ceiling: the database's rate for the transaction one step needs, on
 *    the same database, at the host's pool size (see database-ceiling.ts).
 *
 * At half load it also breaks a command's round trip into its phases (see
 * latency-breakdown.ts) and times the host's step transactions alone.
 *
 * Prints a table and writes bench-results/<time>-<database>-<transport>.json.
 */

const POSTGRES = !!process.env.DATABASE_URL;
const SAGAS = integer('BENCH_SAGAS', POSTGRES ? 20_000 : 5_000);
const CONCURRENCY = integer('BENCH_CONCURRENCY', 200);
const WARMUP = integer('BENCH_WARMUP_SAGAS', Math.min(1_000, Math.ceil(SAGAS / 10)));
const HALF_LOAD_SECONDS = integer('BENCH_HALF_LOAD_SECONDS', 10);
const CEILING_MS = integer('BENCH_CEILING_MS', 10_000);
const PAYMENT_TIMEOUT_MS = integer('ORDER_PAYMENT_TIMEOUT_MS', 1_000);

const MIX = ['completes', 'completes', 'completes', 'completes', 'completes', 'completes', 'completes', 'stock-refused', 'payment-refused', 'payment-times-out'] as const;

function integer(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${raw}".`);
  return value;
}

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

class Progress {
  private drawnAt = 0;
  constructor(
    private readonly phase: string,
    private readonly total: number,
    private readonly counters: SagaCounters,
    private readonly endedBefore = counters.ended,
    private readonly began = performance.now(),
  ) {}

  draw = (): void => {
    const ended = this.counters.ended - this.endedBefore;
    if (performance.now() - this.drawnAt < 250 && ended < this.total) return;
    this.drawnAt = performance.now();
    const width = 30;
    const filled = Math.min(width, Math.round((ended / this.total) * width));
    const rate = ended / Math.max(0.001, (performance.now() - this.began) / 1000);
    process.stderr.write(`\r${this.phase.padEnd(10)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${ended}/${this.total} sagas ended, ${rate.toFixed(0)}/s   `);
  };

  done(): void {
    this.draw();
    process.stderr.write('\n');
  }
}

async function main(): Promise<void> {
  const runId = `${Date.now()}`;
  const schema = POSTGRES ? `bench_${runId}` : undefined;
  const topicPrefix = process.env.KAFKA_BROKERS ? `bench-${runId}.` : process.env.TOPIC_PREFIX;
  const config = loadConfig({
    ...process.env,
    PGLITE_DATA_DIR: 'memory://',
    ...(schema ? { DATABASE_SCHEMA: schema } : {}),
    ...(topicPrefix ? { TOPIC_PREFIX: topicPrefix } : {}),
    PARTICIPANTS: 'in-process',
    TIMER_POLL_INTERVAL_MS: process.env.TIMER_POLL_INTERVAL_MS ?? '50',
    MAX_STARTS_PER_SECOND: '1000000',
    MAX_SAGAS_IN_FLIGHT: '100000000',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  });
  const database = config.databaseUrl ? 'postgres' : 'pglite';
  const transport = config.kafka ? 'kafka' : 'in-process';
  process.stderr.write(`Baton benchmark: ${database}, ${transport}; ${SAGAS} sagas at ${CONCURRENCY} in flight\n`);

  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config, loadExampleConfig({ ...process.env, ORDER_PAYMENT_TIMEOUT_MS: String(PAYMENT_TIMEOUT_MS) })), { logger: ['error', 'warn'] });
  await app.init();
  const orchestrator = app.get(SagaOrchestrator);
  const dataSource = app.get<DataSource>(BATON_DATA_SOURCE);
  const counters = new SagaCounters();
  app.get(SagaStepUnitOfWork, { strict: false }).observe(counters.listener);
  const startAs = (phase: string) => (i: number) =>
    orchestrator.start({ name: 'order-fulfillment', input: order(i), correlationId: `${phase}-${i}` }).then((r) => r.sagaId);

  const warmup = new Progress('warm-up', WARMUP, counters);
  await closedLoop(WARMUP, CONCURRENCY, counters, startAs('warmup'), warmup.draw);
  warmup.done();
  const afterWarmup = settledMemory();

  const rss = new RssSampler();
  const peak = new Progress('peak', SAGAS, counters);
  const stepsBefore = counters.steps;
  const cpu = measureCpu();
  const peakBegan = performance.now();
  await closedLoop(SAGAS, CONCURRENCY, counters, startAs('peak'), peak.draw);
  const peakMs = performance.now() - peakBegan;
  const cpuShare = cpu();
  const peakSteps = counters.steps - stepsBefore;
  peak.done();
  rss.stop();
  const afterPeak = settledMemory();
  const sagasPerSecond = (SAGAS / peakMs) * 1000;
  const stepsPerSecond = (peakSteps / peakMs) * 1000;

  const halfRate = sagasPerSecond / 2;
  const half = new Progress('half load', Math.round(halfRate * HALF_LOAD_SECONDS), counters);
  // The host's step transactions alone (BEGIN → COMMIT), at half load.
  const halfLoadTransactions: number[] = [];
  // Each step transaction once (its steps share one phases object): where its time went.
  const halfLoadPhases = new Map<StepPhases, number>();
  const stopTiming = app.get(SagaStepUnitOfWork, { strict: false }).observe((step) => {
    if (step.outcome === 'applied') halfLoadTransactions.push(step.durationMs);
    if (step.phases) halfLoadPhases.set(step.phases, step.durationMs);
  });
  // How long a ready callback (a statement's answer, a message) waited for this one Node process,
  // which runs the host, the in-process participants, their relays and the load.
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  const halfCpu = measureCpu();
  await openLoop(halfRate, HALF_LOAD_SECONDS, counters, startAs('half'), SAGAS + WARMUP, half.draw);
  const halfCpuShare = halfCpu();
  loopDelay.disable();
  stopTiming();
  half.done();
  const breakdown = await latencyBreakdown(dataSource, 'half-');
  const transactions = [...halfLoadPhases].map(([phases, durationMs]) => ({
    ...phases,
    restMs: durationMs - phases.startMs - phases.lockMs - phases.decideMs - phases.writeMs,
  }));
  const transactionPhase = (pick: (t: (typeof transactions)[number]) => number) => distribution(transactions.map(pick));

  const ms = (rows: Array<{ ms: string | number }>) => rows.map((row) => Number(row.ms));
  const sagaDurations = ms(
    await dataSource.query(`SELECT EXTRACT(EPOCH FROM (ended_at - created_at)) * 1000 AS ms FROM baton_saga WHERE correlation_id LIKE 'peak-%'`),
  );
  // Reply consumed (the step's transaction began) → each command it sent accepted by the transport.
  const stepLatencyOf = async (phase: string) =>
    ms(
      await dataSource.query(
        `SELECT EXTRACT(EPOCH FROM (o.published_at - h.at)) * 1000 AS ms
           FROM baton_saga s
           JOIN baton_saga_history h ON h.saga_id = s.id AND h.kind = 'message'
           CROSS JOIN LATERAL jsonb_array_elements(h.commands) c
           JOIN baton_outbox o ON o.message_id = (c->>'messageId')::uuid
          WHERE s.correlation_id LIKE $1 AND o.published_at IS NOT NULL`,
        [`${phase}-%`],
      ),
    );
  const peakStepLatency = await stepLatencyOf('peak');
  const halfLoadStepLatency = await stepLatencyOf('half');
  const outboxLag = ms(
    await dataSource.query(
      `SELECT EXTRACT(EPOCH FROM (o.published_at - o.created_at)) * 1000 AS ms
         FROM baton_outbox o JOIN baton_saga s ON s.id = o.saga_id
        WHERE s.correlation_id LIKE 'peak-%' AND o.published_at IS NOT NULL`,
    ),
  );
  const statuses: Array<{ status: string; n: string }> = await dataSource.query(
    `SELECT status, count(*) AS n FROM baton_saga WHERE correlation_id LIKE 'peak-%' GROUP BY status ORDER BY status`,
  );
  // A saga of median snapshot size, and one of its commands: what a step of this run writes.
  const [sample]: StepSample[] = await dataSource.query(
    `WITH peak AS (SELECT id, snapshot, runtime FROM baton_saga WHERE correlation_id LIKE 'peak-%'),
          median AS (SELECT * FROM peak ORDER BY length(snapshot::text) OFFSET (SELECT count(*) / 2 FROM peak) LIMIT 1)
     SELECT m.snapshot::text AS snapshot, m.runtime::text AS runtime,
            (SELECT o.envelope::text FROM baton_outbox o WHERE o.saga_id = m.id LIMIT 1) AS envelope
       FROM median m`,
  );
  const serverVersion = database === 'postgres' ? String((await dataSource.query(`SHOW server_version`))[0].server_version) : 'PGlite';

  process.stderr.write(`Measuring the database ceiling for ${CEILING_MS / 1000} s ...\n`);
  const ceiling = await measureCeiling(dataSource, {
    url: config.databaseUrl,
    schema,
    clients: database === 'pglite' ? 1 : config.databasePoolSize,
    durationMs: CEILING_MS,
    sample,
  });
  await app.close();
  await cleanUp(config.databaseUrl, schema, config.kafka?.brokers, topicPrefix);

  const round = (d: Distribution) => ({ p50: +d.p50.toFixed(1), p95: +d.p95.toFixed(1), p99: +d.p99.toFixed(1) });
  const result = {
    at: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memoryGb: Math.round(totalmem() / 1024 ** 3),
      node: process.version,
      database: serverVersion,
    },
    database,
    transport,
    settings: { sagas: SAGAS, concurrency: CONCURRENCY, warmupSagas: WARMUP, paymentTimeoutMs: PAYMENT_TIMEOUT_MS, halfLoadSeconds: HALF_LOAD_SECONDS },
    peak: {
      statuses: Object.fromEntries(statuses.map((s) => [s.status, Number(s.n)])),
      elapsedMs: Math.round(peakMs),
      sagasPerSecond: +sagasPerSecond.toFixed(1),
      stepsPerSecond: +stepsPerSecond.toFixed(1),
      sagaDurationMs: round(distribution(sagaDurations)),
      stepLatencyMs: round(distribution(peakStepLatency)),
      outboxLagMs: round(distribution(outboxLag)),
      hostCpuPercent: cpuShare.processPercent,
      machineCpuPercent: cpuShare.machinePercent,
    },
    halfLoad: {
      sagasPerSecond: +halfRate.toFixed(1),
      stepLatencyMs: round(distribution(halfLoadStepLatency)),
      hostStepTransactionMs: round(distribution(halfLoadTransactions)),
      eventLoopDelayMs: round({ p50: loopDelay.percentile(50) / 1e6, p95: loopDelay.percentile(95) / 1e6, p99: loopDelay.percentile(99) / 1e6 }),
      hostCpuPercent: halfCpuShare.processPercent,
      machineCpuPercent: halfCpuShare.machinePercent,
      hostTransactions: {
        count: transactions.length,
        batchSize: round(transactionPhase((t) => t.batchSize)),
        startMs: round(transactionPhase((t) => t.startMs)),
        lockMs: round(transactionPhase((t) => t.lockMs)),
        decideMs: round(transactionPhase((t) => t.decideMs)),
        writeMs: round(transactionPhase((t) => t.writeMs)),
        restMs: round(transactionPhase((t) => t.restMs)),
      },
      breakdown: {
        commands: breakdown.commands,
        ...Object.fromEntries((Object.keys(PHASES) as Phase[]).map((phase) => [phase, round(breakdown[phase])])),
      } as Record<Phase, Distribution> & { commands: number },
    },
    memory: {
      peakRssMb: Math.round(rss.peakBytes / 1024 / 1024),
      afterWarmup,
      afterPeak,
    },
    ceiling: { stepTransactionsPerSecond: +ceiling.transactionsPerSecond.toFixed(1), clients: ceiling.clients, tool: ceiling.tool },
    stepsPerCeiling: +(stepsPerSecond / ceiling.transactionsPerSecond).toFixed(3),
  };
  const dir = join(process.cwd(), 'bench-results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${result.at.replace(/[:.]/g, '-')}-${database}-${transport}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');

  const d = (x: { p50: number; p95: number; p99: number }) => `${x.p50} / ${x.p95} / ${x.p99}`;
  console.table({
    'sagas/s': result.peak.sagasPerSecond,
    'steps/s': result.peak.stepsPerSecond,
    [`ceiling tx/s (${ceiling.tool}, ${ceiling.clients} clients)`]: result.ceiling.stepTransactionsPerSecond,
    'steps/s ÷ ceiling': result.stepsPerCeiling,
    'saga duration p50/p95/p99 ms': d(result.peak.sagaDurationMs),
    'step latency p50/p95/p99 ms': d(result.peak.stepLatencyMs),
    'outbox lag p50/p95/p99 ms': d(result.peak.outboxLagMs),
    [`step latency at half load (${result.halfLoad.sagasPerSecond} sagas/s)`]: d(result.halfLoad.stepLatencyMs),
    'at half load: event loop delay p50/p95/p99 ms': d(result.halfLoad.eventLoopDelayMs),
    'at half load: host CPU % of a core / machine %': `${result.halfLoad.hostCpuPercent} / ${result.halfLoad.machineCpuPercent ?? 'n/a'}`,
    'host CPU % of a core / machine %': `${result.peak.hostCpuPercent} / ${result.peak.machineCpuPercent ?? 'n/a'}`,
    'RSS MB: after warm-up / after peak / peak': `${afterWarmup.rssMb} / ${afterPeak.rssMb} / ${result.memory.peakRssMb}`,
    'live heap MB: after warm-up / after peak': `${afterWarmup.heapUsedMb} / ${afterPeak.heapUsedMb}`,
  });
  console.log(`Where a command's round trip went at half load (${breakdown.commands} commands; p50 / p95 / p99 ms):`);
  console.table({
    ...Object.fromEntries((Object.keys(PHASES) as Phase[]).map((phase) => [PHASES[phase], d(result.halfLoad.breakdown[phase])])),
    "of which the host's step transaction (BEGIN → COMMIT)": d(result.halfLoad.hostStepTransactionMs),
  });
  const t = result.halfLoad.hostTransactions;
  console.log(`The host's step transactions at half load (${t.count}; p50 / p95 / p99):`);
  console.table({
    'inputs per transaction (group commit)': d(t.batchSize),
    'insert started sagas ms': d(t.startMs),
    'lock sagas, inbox and timer checks ms': d(t.lockMs),
    'decide (the engine) ms': d(t.decideMs),
    'write every decision, with the COMMIT (one statement) ms': d(t.writeMs),
    'the rest (connection, BEGIN when nothing else went first) ms': d(t.restMs),
  });
  console.log(`${SAGAS} sagas on ${database} over ${transport} (${JSON.stringify(result.peak.statuses)}); figures in ${file}`);
}

/** Drops the run's schema and deletes its topics. */
async function cleanUp(url: string | undefined, schema: string | undefined, brokers: string[] | undefined, topicPrefix: string | undefined) {
  if (url && schema) {
    const { Client } = await import('pg');
    const client = new Client({ connectionString: url });
    await client.connect();
    await client.query(`DROP SCHEMA ${schema} CASCADE`);
    await client.end();
  }
  if (brokers && topicPrefix) {
    const admin = new Kafka({ clientId: 'baton-bench', brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(topicPrefix));
    if (topics.length) await admin.deleteTopics({ topics });
    await admin.disconnect();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
