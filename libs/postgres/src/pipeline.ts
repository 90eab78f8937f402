import { createHash } from 'node:crypto';

/** One statement of a pipeline: its text and parameters, and whether it is kept prepared on the connection. */
export interface PipelineStatement {
  text: string;
  values?: readonly unknown[];
  /** Parse it once per connection under a name derived from its text, and plan it from then on as PostgreSQL chooses (a generic plan, once it is no costlier). */
  prepared?: boolean;
}

/** What one statement of a pipeline answered. */
export interface PipelineResult {
  rows: unknown[];
  rowCount: number;
}

/** The parts of a `pg` Client a pipeline uses. */
export interface PgClient {
  connection: PgConnection;
  query(submittable: Pipeline): unknown;
}

/** The parts of `pg`'s Connection a pipeline writes to (its protocol messages). */
interface PgConnection {
  stream: { cork?: () => void; uncork?: () => void };
  parse(message: { text: string; name: string; types: unknown[] }): void;
  bind(message: { portal: string; statement: string; values: readonly unknown[]; binary: boolean; valueMapper: (value: unknown) => unknown }): void;
  describe(message: { type: 'P'; name: string }): void;
  execute(message: { portal: string; rows: number }): void;
  close(message: { type: 'S'; name: string }): void;
  sync(): void;
  sendCopyFail(message: string): void;
}

/** `pg`'s Result: how it turns the protocol's rows into objects with its type parsers. */
interface PgResult {
  rows: unknown[];
  rowCount: number | null;
  addFields(fields: unknown): void;
  parseRow(fields: unknown): unknown;
  addRow(row: unknown): void;
  addCommandComplete(message: unknown): void;
}

/** Whether `client` is a `pg` Client (PGlite's is not: it takes simple queries only). */
export function isPgClient(client: unknown): client is PgClient {
  const connection = (client as { connection?: Partial<PgConnection> } | null)?.connection;
  return typeof connection?.parse === 'function' && typeof connection.bind === 'function' && typeof connection.sync === 'function';
}

/**
 * Most statements kept prepared on one connection; past it, statements run
 * unnamed (parsed and planned each time, as `pg` runs any statement with
 * parameters). Baton's statements come in a few dozen shapes.
 */
const MOST_PREPARED = 500;

/**
 * A prepared statement is parsed again (and so planned again) on its
 * connection once it has run this many times, then after twice as many,
 * and so on up to LATEST_REPLAN: see Pipeline.
 */
const FIRST_REPLAN = 32;
const LATEST_REPLAN = 65_536;

/** One prepared statement on one connection: how often it ran since it was parsed, and when it is parsed again. */
interface Prepared {
  runs: number;
  replanAt: number;
}

interface ConnectionState {
  prepared: Map<string, Prepared>;
  unsure: Set<string>;
}

/** Per connection: the statements prepared on it, and the names a failed pipeline may or may not have parsed. */
const connections = new WeakMap<PgConnection, ConnectionState>();

/** A statement that starts a COPY, which needs a round trip of its own. */
const COPY = /^\s*copy\b/i;

const names = new Map<string, string>();

/** The name a statement is prepared under: its text's digest, so the same text has the same name on every connection. */
function nameOf(text: string): string {
  let name = names.get(text);
  if (!name) {
    if (names.size >= 4 * MOST_PREPARED) names.clear();
    name = `baton_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return name;
}

/**
 * Statements sent in one round trip with the extended protocol, before one
 * Sync (docs/architecture.md, "Round trips of a step"): PostgreSQL runs them
 * in order and, after an error, skips the rest up to the Sync, so a COMMIT
 * placed last runs only if every statement before it succeeded. `pg` sends
 * each statement with a Sync of its own and waits for it; this is a query
 * object of `pg`'s (`client.query(pipeline)`), the way cursors are.
 *
 * A prepared statement is parsed on the connection the first time (Parse
 * with its name), then only bound and executed: PostgreSQL parses it once
 * and, after five runs, plans it once for all parameters if that plan is no
 * costlier than the plans made for each. That plan is made for the tables'
 * sizes at the time and kept until they are analysed again, so on tables
 * that grow (and all of Baton's start empty) it may scan a table it should
 * look up in an index. So each is parsed again after 32 runs on its
 * connection, then 64, 128, ... up to every 65536: a table grows with the
 * statements that write it, so a plan is rarely used on a table more than
 * twice the size it was made for, and a plan that suits a table of one
 * size costs at most about twice the best one at twice that size.
 *
 * After an error the pipeline cannot tell which of its Parse messages ran,
 * so the next use of each of their names closes it first (closing an
 * unknown name is no error). If the session lost its prepared statements
 * (DISCARD ALL, DEALLOCATE), the one pipeline that finds out fails, and
 * the next ones parse them again.
 */
export class Pipeline {
  callback?: (error: Error | null, results?: PipelineResult[]) => void;
  private readonly results: PgResult[];
  private current = 0;
  private failed: Error | null = null;
  private parsed: string[] = [];
  private connection?: PgConnection;

  private readonly pg = pgInternals();

  constructor(
    /** What it sends, in order. */
    readonly statements: readonly PipelineStatement[],
  ) {
    this.results = statements.map(() => new this.pg.Result());
  }

  /** Its statements' texts, as one simple query would carry them: what `pg`'s instrumentation shows on its span. */
  get text(): string {
    return this.statements.map((statement) => statement.text).join(';\n');
  }

  /** Runs `statements` on `client` in one round trip; answers each one's rows. */
  static run(client: PgClient, statements: readonly PipelineStatement[]): Promise<PipelineResult[]> {
    const pipeline = new Pipeline(statements);
    return new Promise((resolve, reject) => {
      pipeline.callback = (error, results) => (error ? reject(error) : resolve(results!));
      client.query(pipeline);
    });
  }

  /** Called by `pg` when the connection is free: writes every message, then the Sync. */
  submit(connection: PgConnection): Error | null {
    let state = connections.get(connection);
    if (!state) connections.set(connection, (state = { prepared: new Map(), unsure: new Set() }));
    // Everything that can fail (a value that cannot be sent, a COPY) before the first byte is written.
    const copy = this.statements.find(({ text }) => COPY.test(text));
    if (copy) return new Error(`A pipeline cannot run COPY (the statements after it would arrive during the copy): ${copy.text.slice(0, 80)}`);
    let values: unknown[][];
    try {
      values = this.statements.map((statement) => (statement.values ?? []).map((value) => this.pg.prepareValue(value)));
    } catch (error) {
      return error as Error;
    }
    const bound = this.statements.map(({ text, prepared: keep }, i) => ({ text, ...this.preparation(text, !!keep, state), values: values[i] }));
    connection.stream.cork?.();
    try {
      for (const statement of bound) {
        if (statement.close) connection.close({ type: 'S', name: statement.name });
        if (statement.parse) connection.parse({ text: statement.text, name: statement.name, types: [] });
        connection.bind({ portal: '', statement: statement.name, values: statement.values, binary: false, valueMapper: (value) => value });
        connection.describe({ type: 'P', name: '' });
        connection.execute({ portal: '', rows: 0 });
      }
      connection.sync();
    } finally {
      connection.stream.uncork?.();
    }
    this.connection = connection;
    return null;
  }

  /**
   * Under which name `text` runs on the connection whose `state` this is, and
   * whether it is closed and parsed first: '' (unnamed, parsed every time)
   * unless `keep`, and then parsed when new, after a failure that may have
   * parsed it, or when it is due to be planned again.
   */
  private preparation(text: string, keep: boolean, { prepared, unsure }: ConnectionState): { name: string; parse: boolean; close: boolean } {
    if (!keep) return { name: '', parse: true, close: false };
    const name = nameOf(text);
    const known = prepared.get(name);
    if (!known && prepared.size >= MOST_PREPARED) return { name: '', parse: true, close: false };
    const doubtful = unsure.has(name);
    if (known && !doubtful && known.runs < known.replanAt) {
      known.runs++;
      return { name, parse: false, close: false };
    }
    this.parsed.push(name);
    unsure.delete(name);
    prepared.set(name, { runs: 1, replanAt: known ? Math.min(known.replanAt * 2, LATEST_REPLAN) : FIRST_REPLAN });
    return { name, parse: true, close: !!known || doubtful };
  }

  handleRowDescription(message: { fields: unknown }): void {
    this.results[this.current]?.addFields(message.fields);
  }

  handleDataRow(message: { fields: unknown }): void {
    const result = this.results[this.current];
    if (!result || this.failed) return;
    try {
      result.addRow(result.parseRow(message.fields));
    } catch (error) {
      this.failed = error as Error;
    }
  }

  handleCommandComplete(message: unknown): void {
    this.results[this.current]?.addCommandComplete(message);
    this.current++;
  }

  handleEmptyQuery(): void {
    this.current++;
  }

  handlePortalSuspended(): void {
    this.fail(new Error('Pipeline: a portal was suspended, which an execute without a row limit never does.'));
  }

  /** A COPY FROM STDIN that `submit` did not see coming: refused, as `pg`'s own queries refuse one without a stream (the server then ends the session: the statements after it arrived during the copy). */
  handleCopyInResponse(connection: PgConnection): void {
    connection.sendCopyFail('A pipeline sends no COPY data');
  }

  handleCopyData(): void {}

  /** An error from the server (`pg` has already let go of this query: the Sync's ReadyForQuery is not passed on) or from the connection. */
  handleError(error: Error): void {
    this.fail(error);
  }

  handleReadyForQuery(): void {
    if (this.failed) return this.fail(this.failed);
    this.callback?.(null, this.results.map((result) => ({ rows: result.rows, rowCount: result.rowCount ?? 0 })));
    this.callback = undefined;
  }

  private fail(error: Error): void {
    const state = this.connection && connections.get(this.connection);
    if (state) {
      for (const name of this.parsed) state.unsure.add(name);
      // "Prepared statement does not exist": something deallocated the session's statements (DISCARD ALL,
      // DEALLOCATE ALL, a pooler that gave this connection another session): parse each again when next used.
      if ((error as { code?: unknown }).code === '26000') state.prepared.clear();
    }
    this.callback?.(error);
    this.callback = undefined;
  }
}

let internals: { Result: new () => PgResult; prepareValue: (value: unknown) => unknown } | undefined;

/** `pg`'s Result and value conversion (public paths of the package, `pg/lib/*`), loaded when a pipeline first runs: only a `pg` client gets here. */
function pgInternals() {
  if (!internals) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Result = require('pg/lib/result') as new () => PgResult;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { prepareValue } = require('pg/lib/utils') as { prepareValue: (value: unknown) => unknown };
    internals = { Result, prepareValue };
  }
  return internals;
}
