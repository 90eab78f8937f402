import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { databaseKind } from './database-kind';
import { isPgClient, Pipeline } from './pipeline';

/**
 * A transaction whose BEGIN travels with its first statement and whose
 * COMMIT travels with its last (docs/architecture.md, "Round trips of a
 * step"): two round trips fewer than BEGIN, statements, COMMIT each on
 * their own. On PostgreSQL every `sql()` statement of the transaction goes
 * as a Pipeline (pipeline.ts), BEGIN and COMMIT with the first and last in
 * the same round trip, the statements asked to be kept prepared prepared.
 * PGlite takes no pipeline, so there the folded statements go as one
 * simple query (`START TRANSACTION; <statement>` and `<statement>; COMMIT`)
 * with their parameters written in as quoted literals (`inlineParameters`).
 * Postgres runs the statements of either in order and skips the rest after
 * an error, so a failed last statement never commits: the transaction is
 * rolled back as any other.
 *
 * Only statements run through `sql()` fold; anything else on the same query
 * runner (TypeORM's repositories, a handler's own queries) sends the held
 * BEGIN on its own first. TypeORM keeps driving the transaction
 * (startTransaction / commitTransaction / rollbackTransaction, its
 * subscribers' events): only the runner's BEGIN and COMMIT are held or
 * skipped here.
 */
class Fold {
  /** START TRANSACTION was asked for and not sent yet. */
  private beginHeld = false;
  /** A statement carried the COMMIT: the transaction has ended. */
  private committed = false;

  constructor(
    private readonly runner: QueryRunner,
    /** The connection is `pg`'s (PGlite's takes simple queries only). */
    private readonly pg: boolean,
    /** Statements `run` is asked to keep prepared are (DatabaseOptions.preparedStatements). */
    private readonly preparing: boolean,
  ) {
    const query = runner.query.bind(runner) as (text: string, parameters?: unknown[], structured?: boolean) => Promise<unknown>;
    // This runner was made for this one transaction: its BEGIN and COMMIT are held or skipped here.
    runner.query = (async (text: string, parameters?: unknown[], structured?: boolean) => {
      if (text === 'START TRANSACTION' && !this.beginHeld && !this.committed) {
        this.beginHeld = true;
        return nothing(structured);
      }
      const nothingRan = this.beginHeld && (text === 'COMMIT' || text === 'ROLLBACK');
      if ((text === 'COMMIT' && this.committed) || nothingRan) {
        this.beginHeld = false;
        return nothing(structured);
      }
      this.refuseAfterLast(text);
      if (this.beginHeld) {
        this.beginHeld = false;
        await query('START TRANSACTION');
      }
      return query(text, parameters, structured);
    }) as QueryRunner['query'];
  }

  /**
   * Whether `run` sends a statement (the last one when `last`): on `pg`,
   * every `sql()` statement of the transaction; on PGlite, the one that
   * travels with the held BEGIN or with the COMMIT. The others go the
   * runner's own way.
   */
  carries(last: boolean): boolean {
    return this.pg || this.beginHeld || last;
  }

  /**
   * Runs `text` with BEGIN before it if it is still held, and COMMIT after it
   * when `last`; answers its rows. On `pg`, `prepared` keeps it prepared on
   * the connection (see Pipeline; unless the data source says not to).
   */
  async run(text: string, parameters: readonly unknown[], last: boolean, prepared = false): Promise<{ rows: unknown[]; rowCount: number }> {
    this.refuseAfterLast(text);
    const begin = this.beginHeld;
    this.beginHeld = false;
    const client = await this.runner.connect();
    let result: { rows: unknown[]; rowCount: number | null } | undefined;
    if (isPgClient(client)) {
      const results = await Pipeline.run(client, [
        ...(begin ? [{ text: 'START TRANSACTION' }] : []),
        { text, values: parameters, prepared: prepared && this.preparing },
        ...(last ? [{ text: 'COMMIT' }] : []),
      ]);
      result = results[begin ? 1 : 0];
    } else {
      const statement = inlineParameters(text, parameters);
      const results = await (client as { query(text: string): Promise<PgResult | PgResult[]> }).query(
        `${begin ? 'START TRANSACTION;\n' : ''}${statement}${last ? ';\nCOMMIT' : ''}`,
      );
      const all = Array.isArray(results) ? results : [results];
      result = all[begin ? 1 : 0];
    }
    if (last) this.committed = true;
    return { rows: result?.rows ?? [], rowCount: result?.rowCount ?? 0 };
  }

  private refuseAfterLast(text: string): void {
    if (this.committed) throw new Error(`A statement after the transaction's last one (it has committed): ${text.slice(0, 80)}`);
  }
}

/** What TypeORM's runner answers for a statement that was not sent. */
function nothing(structured: boolean | undefined) {
  return structured ? { records: [], affected: 0, raw: [] } : [];
}

interface PgResult {
  rows: unknown[];
  rowCount: number | null;
}

const folds = new WeakMap<QueryRunner, Fold>();

/** Data sources whose statements are never kept prepared (DatabaseOptions.preparedStatements). */
const unprepared = new WeakSet<DataSource>();

/** Keeps `dataSource`'s statements from being prepared on its connections (see DatabaseOptions.preparedStatements). */
export function doNotPrepareStatements(dataSource: DataSource): void {
  unprepared.add(dataSource);
}

/** Whether `dataSource` keeps the statements asked to be prepared (`sql()`'s `prepared`) prepared: on PostgreSQL, unless told not to. */
export function preparesStatements(dataSource: DataSource): boolean {
  return databaseKind(dataSource) === 'postgres' && !unprepared.has(dataSource);
}

/** The fold of the transaction `manager` runs in, if it is a folded one. */
export function foldOf(manager: EntityManager): Pick<Fold, 'carries' | 'run'> | undefined {
  return manager.queryRunner ? folds.get(manager.queryRunner) : undefined;
}

/**
 * Runs `work` in a transaction of its own connection whose BEGIN is sent with
 * the first `sql()` statement and whose COMMIT with the statement run with
 * `{ last: true }` (see Fold). Nothing may run in it after that statement.
 * Errors roll it back and come out as thrown, as with `manager.transaction`.
 */
export async function foldedTransaction<T>(manager: EntityManager, work: (tx: EntityManager) => Promise<T>): Promise<T> {
  const runner = manager.connection.createQueryRunner();
  folds.set(runner, new Fold(runner, databaseKind(manager.connection) === 'postgres', preparesStatements(manager.connection)));
  try {
    return await runner.manager.transaction(work);
  } finally {
    await runner.release();
  }
}

/**
 * `text` with each `$n` replaced by its parameter as a quoted literal, for a
 * simple query (which takes no parameters). The values are converted as
 * `pg` converts parameters (null, booleans, numbers, strings, Dates,
 * Buffers, arrays as array literals, other objects as JSON); a literal is
 * untyped until the statement's cast or context types it, as a parameter
 * is. `text` is the caller's own SQL: its `$n` are placeholders, never
 * inside a string constant.
 */
export function inlineParameters(text: string, parameters: readonly unknown[]): string {
  return text.replace(/\$(\d+)/g, (placeholder, n: string) => {
    const index = Number(n) - 1;
    if (index < 0 || index >= parameters.length) throw new Error(`${placeholder} has no parameter (${parameters.length} given)`);
    return literal(parameters[index]);
  });
}

function literal(value: unknown): string {
  const text = parameterText(value);
  return text === null ? 'NULL' : quoteLiteral(text);
}

/** A parameter's text as `pg` sends it (null for NULL). */
function parameterText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return `\\x${Buffer.from(value).toString('hex')}`;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return arrayText(value);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** A Postgres array literal: `{"a","b",NULL,{"c"}}`. */
function arrayText(values: readonly unknown[]): string {
  const elements = values.map((value) => {
    if (Array.isArray(value)) return arrayText(value);
    const text = parameterText(value);
    return text === null ? 'NULL' : `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  });
  return `{${elements.join(',')}}`;
}

/** `text` as a string constant: quotes doubled; with backslashes, an escape string constant (E'...') with them doubled, whatever standard_conforming_strings says. */
export function quoteLiteral(text: string): string {
  const quoted = text.replace(/'/g, "''");
  return quoted.includes('\\') ? ` E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`;
}
