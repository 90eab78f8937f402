// `npm run bench:peers`: the same order work through Baton and through DBOS
// Transact, on the same PostgreSQL, in one sitting: BENCH_PEERS_RUNS pairs
// (default 3), Baton then DBOS, each a child process of its own. Prints each
// pair's sagas/s, workflows/s and their ratio, the median ratio and the
// machine, and writes bench-results/<time>-peers.json.
//
// Baton: the benchmark of `npm run bench` (nest build once, then
// dist/bench/run-bench.js), its figures read from the file it writes.
// DBOS: bench/peers/dbos-order.mjs, run from a cache folder of its own where
// this script installs @dbos-inc/dbos-sdk (never a dependency of Baton's
// packages), on a database created for the run and dropped after it.
//
// Env: BENCH_PEERS_SAGAS (default 10000), BENCH_PEERS_RUNS (default 3),
// BENCH_PEERS_CONCURRENCY (orders in flight on each side, default 50),
// DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres),
// KAFKA_BROKERS (Baton's side over Kafka, as in production; DBOS has no
// broker, its steps are calls in its process).
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import console from 'node:console';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';
import pg from 'pg';
import { integer } from './env.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DBOS_VERSION = '5.3.0';
const CACHE = join(ROOT, 'node_modules', '.cache', 'baton-peers', 'dbos');
const RESULTS = join(ROOT, 'bench-results');
const DATABASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const SAGAS = integer('BENCH_PEERS_SAGAS', 10_000);
const RUNS = integer('BENCH_PEERS_RUNS', 3);
const CONCURRENCY = integer('BENCH_PEERS_CONCURRENCY', 50);
const TRANSPORT = process.env.KAFKA_BROKERS ? 'kafka' : 'in-process';

/** Installs DBOS into the cache folder unless that version is there, and puts the workflow app beside it. */
function prepareDbos() {
  const manifest = join(CACHE, 'node_modules', '@dbos-inc', 'dbos-sdk', 'package.json');
  if (!existsSync(manifest) || JSON.parse(readFileSync(manifest, 'utf8')).version !== DBOS_VERSION) {
    mkdirSync(CACHE, { recursive: true });
    // A package.json of its own, so npm installs here rather than into the repository's root.
    if (!existsSync(join(CACHE, 'package.json'))) writeFileSync(join(CACHE, 'package.json'), '{ "name": "baton-peers-dbos", "private": true }\n');
    process.stderr.write(`Installing @dbos-inc/dbos-sdk@${DBOS_VERSION} into ${CACHE} ...\n`);
    execFileSync('npm', ['install', '--prefix', CACHE, '--no-audit', '--no-fund', `@dbos-inc/dbos-sdk@${DBOS_VERSION}`, 'pg'], { stdio: 'inherit' });
  }
  for (const file of ['dbos-order.mjs', 'env.mjs']) copyFileSync(join(ROOT, 'bench', 'peers', file), join(CACHE, file));
}

function run(command, args, options) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} ended with ${signal ?? `exit code ${code}`}`))));
  });
}

/** Baton's benchmark, as `npm run bench` runs it; its figures from the newest file it wrote. */
async function runBaton() {
  const began = Date.now();
  await run('node', ['--expose-gc', '--max-semi-space-size=32', 'dist/bench/run-bench.js'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL,
      BENCH_SAGAS: String(SAGAS),
      BENCH_CONCURRENCY: String(CONCURRENCY),
      // The ceiling phase cannot be skipped; it is not compared here.
      BENCH_CEILING_MS: '2000',
    },
  });
  const [newest] = readdirSync(RESULTS)
    .filter((name) => name.endsWith(`-postgres-${TRANSPORT}.json`))
    .map((name) => ({ name, at: statSync(join(RESULTS, name)).mtimeMs }))
    .filter((file) => file.at >= began)
    .sort((a, b) => b.at - a.at);
  if (!newest) throw new Error('The Baton benchmark wrote no result file.');
  const result = JSON.parse(readFileSync(join(RESULTS, newest.name), 'utf8'));
  return {
    file: `bench-results/${newest.name}`,
    sagasPerSecond: result.peak.sagasPerSecond,
    stepsPerSecond: result.peak.stepsPerSecond,
    elapsedMs: result.peak.elapsedMs,
    hostCpuPercent: result.peak.hostCpuPercent,
    statuses: result.peak.statuses,
    halfLoadStepLatencyMs: result.halfLoad.stepLatencyMs,
    database: result.machine.database,
  };
}

/** The DBOS workflow app, on a database of its own, dropped after. */
async function runDbos(runId) {
  const database = `dbos_peers_${runId}`;
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(DATABASE_URL);
  url.pathname = `/${database}`;
  const resultFile = join(CACHE, `result-${runId}.json`);
  try {
    await run('node', ['dbos-order.mjs'], {
      cwd: CACHE,
      env: { ...process.env, DATABASE_URL: url.toString(), BENCH_SAGAS: String(SAGAS), BENCH_CONCURRENCY: String(CONCURRENCY), DBOS_PEERS_RESULT: resultFile },
    });
    const result = JSON.parse(readFileSync(resultFile, 'utf8'));
    rmSync(resultFile);
    return result;
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

async function main() {
  prepareDbos();
  process.stderr.write('Building Baton (nest build) ...\n');
  execFileSync('npx', ['nest', 'build'], { cwd: ROOT, stdio: 'inherit' });
  mkdirSync(RESULTS, { recursive: true });

  const pairs = [];
  for (let i = 1; i <= RUNS; i++) {
    // The machine's load when the pair began: a busy machine slows both sides, not necessarily alike.
    const loadAverage = loadavg().map((load) => +load.toFixed(2));
    process.stderr.write(`\n== Pair ${i} of ${RUNS}: Baton, ${TRANSPORT} (load average ${loadAverage.join(' ')}) ==\n`);
    const baton = await runBaton();
    process.stderr.write(`\n== Pair ${i} of ${RUNS}: DBOS Transact ${DBOS_VERSION} ==\n`);
    const dbos = await runDbos(`${Date.now()}`);
    pairs.push({ loadAverage, baton, dbos, ratio: +(baton.sagasPerSecond / dbos.peak.workflowsPerSecond).toFixed(2) });
  }

  const result = {
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 1024 ** 3), node: process.version, database: pairs[0].baton.database },
    settings: { sagas: SAGAS, concurrency: CONCURRENCY, runs: RUNS, dbos: DBOS_VERSION, batonTransport: TRANSPORT, paymentTimeoutMs: 1000, poolSize: 10 },
    pairs,
    medianRatio: median(pairs.map((pair) => pair.ratio)),
  };
  const file = join(RESULTS, `${result.at.replace(/[:.]/g, '-')}-peers.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');

  console.log(`\n${SAGAS} orders at ${CONCURRENCY} in flight, each side after a warm-up, alternating; Baton ${TRANSPORT}:`);
  console.table(
    pairs.map((pair, i) => ({
      pair: i + 1,
      'Baton sagas/s': pair.baton.sagasPerSecond,
      'DBOS workflows/s': pair.dbos.peak.workflowsPerSecond,
      'Baton / DBOS': pair.ratio,
      'CPU % of a core: Baton / DBOS': `${pair.baton.hostCpuPercent} / ${pair.dbos.peak.processCpuPercent}`,
      'DBOS ledger unbalanced': pair.dbos.ledger.unbalanced,
      'load average at start': pair.loadAverage[0],
    })),
  );
  console.log(`median Baton (${TRANSPORT}) / DBOS: ${result.medianRatio}`);
  const m = result.machine;
  console.log(`machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB, Node ${m.node}, PostgreSQL ${m.database}; figures in ${file}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
