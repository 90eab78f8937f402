import type { EntityManager, QueryRunner } from 'typeorm';
import { DependencyUnavailableError } from '@baton/core';
import { foldOf, foldedTransaction, preparesStatements } from './folded-transaction';
import { isPgClient, Pipeline } from './pipeline';

export interface SqlResult<Row> {
  rows: Row[];
  rowCount: number;
}

/**
 * Runs one written-out statement on the transaction behind `manager` and
 * returns its rows and affected count the same way for every statement kind
 * (TypeORM's plain `query` changes shape for UPDATE and DELETE). In a folded
 * transaction (`inTransaction(..., { fold: true })`) the first statement
 * carries its BEGIN, and the one run with `{ last: true }` its COMMIT;
 * elsewhere `last` changes nothing. `prepared`: on PostgreSQL, the
 * statement is kept prepared on its connection and planned once for all
 * parameters, again as its tables grow (see pipeline.ts). Only
 * for a statement whose plan for all parameters reads every table through
 * an index once the tables hold a realistic number of rows
 * (test/prepared-plans.e2e-spec.ts checks each one the host and its
 * participants keep prepared).
 */
export async function sql<Row = Record<string, any>>(
  manager: EntityManager,
  text: string,
  params: unknown[] = [],
  options: { last?: boolean; prepared?: boolean } = {},
): Promise<SqlResult<Row>> {
  const last = options.last ?? false;
  const fold = foldOf(manager);
  if (fold?.carries(last)) {
    const { rows, rowCount } = await fold.run(text, params, last, options.prepared);
    return { rows: rows as Row[], rowCount };
  }
  const prepared = !!options.prepared && preparesStatements(manager.connection);
  const runner = manager.queryRunner;
  if (runner) return run<Row>(runner, text, params, prepared);
  const own = manager.connection.createQueryRunner();
  try {
    return await run<Row>(own, text, params, prepared);
  } finally {
    await own.release();
  }
}

/**
 * `text` with bitmap scans off, for a statement that reads a partial index
 * whose rows leave it (unpublished outbox rows, unended sagas) and runs
 * again and again: the relays' claims, the gauges. Every row that left
 * since the table was last vacuumed leaves a dead entry there. A bitmap
 * scan reads each one's table row at every run and marks none; a plain
 * index scan marks those dead to every transaction as it passes them, and
 * every later scan skips them without reading the table
 * (docs/architecture.md, "Round trips of a step";
 * test/dead-index-entries.e2e-spec.ts). It runs in a transaction of its
 * own, or in the one `manager` is in (see inSnapshot): there, bitmap scans
 * stay off until that transaction ends.
 */
export async function sqlMarkingDeadEntries<Row = Record<string, any>>(manager: EntityManager, text: string, params: unknown[] = []): Promise<SqlResult<Row>> {
  if (manager.queryRunner?.isTransactionActive) {
    await sql(manager, `SET LOCAL enable_bitmapscan = off`);
    return sql<Row>(manager, text, params);
  }
  return inTransaction(
    manager,
    async (tx) => {
      await sql(tx, `SET LOCAL enable_bitmapscan = off`);
      return sql<Row>(tx, text, params, { last: true });
    },
    { fold: true },
  );
}

/** `text` on `runner`'s connection: kept prepared there when `prepared` (see pipeline.ts), otherwise as TypeORM runs it. */
async function run<Row>(runner: QueryRunner, text: string, params: unknown[], prepared: boolean): Promise<SqlResult<Row>> {
  if (prepared) {
    const client = await runner.connect();
    if (isPgClient(client)) {
      const [result] = await Pipeline.run(client, [{ text, values: params, prepared }]);
      return { rows: result.rows as Row[], rowCount: result.rowCount };
    }
  }
  const result = await runner.query(text, params, true);
  return { rows: (result.records ?? []) as Row[], rowCount: result.affected ?? 0 };
}

const RETRYABLE = new Set(['40001', '40P01']); // serialization failure, deadlock detected

/** Postgres's error fields, on the error itself or, from TypeORM, on its driverError. */
function postgresError(error: unknown): { code?: string; constraint?: string } {
  const { driverError } = error as { driverError?: { code?: string; constraint?: string } };
  return driverError ?? (error as { code?: string; constraint?: string });
}

/** Whether `error` is a unique violation of `constraint`. */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  const { code, constraint: violated } = postgresError(error);
  return code === '23505' && violated === constraint;
}

/** How long a caller is told to wait when the database is unavailable (a restart or failover takes seconds). */
export const DATABASE_RETRY_AFTER_MS = 5_000;

/**
 * SQLSTATEs of a server that cannot serve now, whatever the statement:
 * connection exceptions (class 08), too many connections, and the server
 * shutting down (57P01 admin, 57P02 crash), starting up or in recovery
 * (57P03 "the database system is starting up").
 */
const UNAVAILABLE_CODES = new Set(['53300', '57P01', '57P02', '57P03']);
/** Errors of the network under the driver: the server is not there, or the connection broke. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'EAI_AGAIN', 'ENOTFOUND']);
/** Messages `pg` and `pg-pool` raise without a code when a connection ends or cannot be had. */
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /is not queryable/,
  /the database system is (starting up|shutting down|in recovery mode|not yet accepting connections)/,
];

/**
 * Whether `error` says the database cannot be reached or cannot serve right
 * now (refused, reset or terminated connections, no connection within the
 * pool's timeout, SQLSTATE class 08, 53300, 57P01-57P03, a server starting
 * up or shutting down), rather than that a statement is wrong: the same
 * work succeeds once the database is back. Looks through TypeORM's
 * `driverError`, `cause` and an AggregateError's `errors` (a host name that
 * resolves to several addresses). PGlite runs in the process and has no such
 * failure.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  return unavailable(error, 0);
}

function unavailable(error: unknown, depth: number): boolean {
  if (!error || typeof error !== 'object' || depth > 4) return false;
  if (error instanceof DependencyUnavailableError) return true;
  const { code, message, driverError, cause, errors } = error as {
    code?: unknown;
    message?: unknown;
    driverError?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (typeof code === 'string' && (code.startsWith('08') || UNAVAILABLE_CODES.has(code) || NETWORK_CODES.has(code))) return true;
  if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message))) return true;
  if (Array.isArray(errors) && errors.some((inner) => unavailable(inner, depth + 1))) return true;
  return unavailable(driverError, depth + 1) || unavailable(cause, depth + 1);
}

/** `error` as a DependencyUnavailableError naming the database when it says the database is unavailable; otherwise undefined. */
export function databaseUnavailable(error: unknown): DependencyUnavailableError | undefined {
  if (error instanceof DependencyUnavailableError) return error;
  if (!isDatabaseUnavailable(error)) return undefined;
  return new DependencyUnavailableError('the database', DATABASE_RETRY_AFTER_MS, { cause: error });
}

/**
 * Runs `work` in a transaction, again from the start when Postgres aborted it
 * to resolve a conflict with another transaction (safe: nothing was
 * committed), or when `retryOn` says the error was such a conflict. A
 * database that cannot be reached, or that dropped the connection, fails it
 * with DependencyUnavailableError: the caller waits and tries again (a
 * consumer without counting an attempt, HTTP with 503). If the connection
 * broke during COMMIT the transaction may have committed; an input tried
 * again is then a duplicate, which the inbox (or the Idempotency-Key) finds.
 *
 * `fold`: BEGIN goes with the first `sql()` statement and COMMIT with the one
 * run with `{ last: true }`, after which `work` must not touch the database
 * (see folded-transaction.ts).
 */
export async function inTransaction<T>(
  manager: EntityManager,
  work: (tx: EntityManager) => Promise<T>,
  options: { attempts?: number; retryOn?: (error: unknown) => boolean; fold?: boolean } = {},
): Promise<T> {
  const attempts = options.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    try {
      return await (options.fold ? foldedTransaction(manager, work) : manager.transaction(work));
    } catch (error) {
      const { code } = postgresError(error);
      const conflict = (!!code && RETRYABLE.has(code)) || !!options.retryOn?.(error);
      if (attempt >= attempts || !conflict) throw databaseUnavailable(error) ?? error;
    }
  }
}

/**
 * Runs `work` in one read-only transaction at REPEATABLE READ: each of its
 * statements sees the database as it was at the first one, so counts read
 * one after another agree (a saga that started and the commands it sent are
 * counted both or neither).
 */
export function inSnapshot<T>(manager: EntityManager, work: (tx: EntityManager) => Promise<T>): Promise<T> {
  return inTransaction(manager, async (tx) => {
    await sql(tx, `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY`);
    return work(tx);
  });
}
