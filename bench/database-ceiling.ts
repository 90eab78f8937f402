import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { DataSource } from 'typeorm';
import { uuidv7 } from '@baton/core';

const run = promisify(execFile);

/** What one step writes, taken from the run: a saga's snapshot and runtime, and one command's envelope. */
export interface StepSample {
  snapshot: string;
  runtime: string;
  envelope: string;
}

export interface Ceiling {
  /** Step transactions per second. */
  transactionsPerSecond: number;
  clients: number;
  /** How it was measured. */
  tool: 'pgbench' | 'loop';
}

/**
 * The database's own limit for what one saga step writes, measured in the
 * same run on the same database: one transaction that updates a saga row
 * with a version check, inserts an outbox row and an inbox row (copies of
 * Baton's tables with their indexes; the rows are this run's real sizes), run
 * back to back by `clients` connections for `durationMs`. With PostgreSQL
 * and pgbench on the PATH, pgbench runs it (its C client costs the machine
 * least, so the figure is the highest); otherwise a loop in this process.
 */
export async function measureCeiling(
  dataSource: DataSource,
  options: { url?: string; schema?: string; clients: number; durationMs: number; sample: StepSample },
): Promise<Ceiling> {
  const { clients, durationMs, sample } = options;
  // Copies of Baton's tables, with their indexes, that the host's relay does not read.
  await dataSource.query(`CREATE TABLE bench_ceiling_saga (id integer PRIMARY KEY, version integer NOT NULL, snapshot jsonb NOT NULL, runtime jsonb NOT NULL)`);
  await dataSource.query(`CREATE TABLE bench_ceiling_outbox (LIKE baton_outbox INCLUDING ALL)`);
  await dataSource.query(`CREATE TABLE bench_ceiling_inbox (LIKE baton_inbox INCLUDING ALL)`);
  await dataSource.query(
    `INSERT INTO bench_ceiling_saga (id, version, snapshot, runtime) SELECT g, 0, $1::jsonb, $2::jsonb FROM generate_series(1, $3::integer) AS g`,
    [sample.snapshot, sample.runtime, clients],
  );
  try {
    if (options.url && (await hasPgbench())) {
      return { transactionsPerSecond: await pgbench(options.url, options.schema, clients, durationMs, sample), clients, tool: 'pgbench' };
    }
    return { transactionsPerSecond: await loop(dataSource, clients, durationMs, sample), clients, tool: 'loop' };
  } finally {
    await dataSource.query(`DROP TABLE bench_ceiling_saga, bench_ceiling_outbox, bench_ceiling_inbox`);
  }
}

async function hasPgbench(): Promise<boolean> {
  try {
    await run('pgbench', ['--version']);
    return true;
  } catch {
    return false;
  }
}

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** Each pgbench client updates its own saga row, checking the version it last wrote (kept with \gset). */
async function pgbench(url: string, schema: string | undefined, clients: number, durationMs: number, sample: StepSample): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-ceiling-'));
  const script = join(dir, 'step.sql');
  writeFileSync(
    script,
    [
      'BEGIN;',
      `UPDATE bench_ceiling_saga SET version = version + 1, snapshot = ${literal(sample.snapshot)}, runtime = ${literal(sample.runtime)} ` +
        'WHERE id = :client_id + 1 AND version = :version RETURNING version \\gset',
      `INSERT INTO bench_ceiling_outbox (message_id, saga_id, topic, message_type, envelope) VALUES (gen_random_uuid(), gen_random_uuid(), 'bench.ceiling', 'BenchCeiling', ${literal(sample.envelope)});`,
      `INSERT INTO bench_ceiling_inbox (message_id, saga_id, message_type) VALUES (gen_random_uuid()::text, gen_random_uuid(), 'BenchCeiling');`,
      'END;',
      '',
    ].join('\n'),
  );
  // libpq reads a connection URI as the database name; the options parameter puts the run's schema first.
  const target = schema ? `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}` : url;
  try {
    const threads = String(Math.min(clients, 2));
    const seconds = String(Math.max(1, Math.round(durationMs / 1000)));
    const { stdout } = await run('pgbench', ['-n', '-c', String(clients), '-j', threads, '-T', seconds, '-D', 'version=0', '-f', script, target]);
    const tps = /tps = ([\d.]+)/.exec(stdout);
    if (!tps) throw new Error(`pgbench printed no tps:\n${stdout}`);
    return Number(tps[1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same transaction from this process, through the host's own data source. */
async function loop(dataSource: DataSource, clients: number, durationMs: number, sample: StepSample): Promise<number> {
  let done = 0;
  const deadline = Date.now() + durationMs;
  const client = async (id: number) => {
    let version = 0;
    while (Date.now() < deadline) {
      await dataSource.transaction(async (tx) => {
        const [, updated] = await tx.query(
          `UPDATE bench_ceiling_saga SET version = version + 1, snapshot = $3, runtime = $4 WHERE id = $1 AND version = $2`,
          [id, version, sample.snapshot, sample.runtime],
        );
        if (updated !== 1) throw new Error(`Ceiling loop: saga row ${id} was not at version ${version}.`);
        await tx.query(
          `INSERT INTO bench_ceiling_outbox (message_id, saga_id, topic, message_type, envelope) VALUES ($1, $2, 'bench.ceiling', 'BenchCeiling', $3)`,
          [uuidv7(), uuidv7(), sample.envelope],
        );
        await tx.query(`INSERT INTO bench_ceiling_inbox (message_id, saga_id, message_type) VALUES ($1, $2, 'BenchCeiling')`, [uuidv7(), uuidv7()]);
      });
      version++;
      done++;
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: clients }, (_, i) => client(i + 1)));
  return (done / (Date.now() - started)) * 1000;
}
