import { EventEmitter } from 'node:events';
import type { PGlite, Results } from '@electric-sql/pglite';

type Callback<T> = (error: Error | null, result?: T) => void;

/** What TypeORM's postgres driver reads from a query result (the shape of `pg`'s). */
interface PgResult {
  rows: unknown[];
  rowCount: number;
  command: string;
}

function toPgResult(result: Results | undefined): PgResult {
  const r = result as (Results & { command?: string; rowCount?: number }) | undefined;
  return { rows: r?.rows ?? [], rowCount: r?.rowCount ?? r?.affectedRows ?? 0, command: r?.command ?? '' };
}

/**
 * The one connection of a PGlite database, checked out by one holder at a
 * time. PGlite is a single Postgres session: if two TypeORM query runners
 * shared it, one runner's BEGIN would swallow the other's statements. Here a
 * transaction owns the session until it releases it, and everyone else waits
 * their turn in order.
 */
class PGliteSession extends EventEmitter {
  private readonly waiters: Array<() => void> = [];
  private held = false;

  constructor(private readonly db: PGlite) {
    super();
  }

  acquire(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.held = false;
  }

  async run(sql: string, params?: unknown[]): Promise<PgResult | PgResult[]> {
    if (params && params.length) return toPgResult(await this.db.query(sql, params));
    // Without parameters the text may hold several statements (migrations, a folded transaction's
    // first and last statements): like `pg`, one result for one statement, an array for several.
    const results = await this.db.exec(sql);
    return results.length > 1 ? results.map(toPgResult) : toPgResult(results[0]);
  }
}

/** A checked-out session, shaped like a `pg` client for TypeORM. */
class PGliteClient extends EventEmitter {
  constructor(private readonly session: PGliteSession) {
    super();
  }

  query(sql: string, params?: unknown[] | Callback<PgResult | PgResult[]>, callback?: Callback<PgResult | PgResult[]>): Promise<PgResult | PgResult[]> | void {
    const cb = typeof params === 'function' ? params : callback;
    const promise = this.session.run(sql, Array.isArray(params) ? params : undefined);
    if (!cb) return promise;
    promise.then((r) => cb(null, r), (e) => cb(e));
  }

  release(): void {
    this.session.release();
  }
}

/**
 * A `pg.Pool` look-alike over one PGlite database, for TypeORM's postgres
 * driver (`driver: pgliteDriver(db)`): same SQL, same migrations, real
 * Postgres semantics, one transaction at a time.
 */
export function pgliteDriver(db: PGlite): { Pool: new () => EventEmitter } {
  const session = new PGliteSession(db);
  class PGlitePool extends EventEmitter {
    connect(callback?: (error: Error | null, client?: PGliteClient, done?: () => void) => void): Promise<PGliteClient> | void {
      const checkout = session.acquire().then(() => new PGliteClient(session));
      if (!callback) return checkout;
      checkout.then(
        (client) => callback(null, client, () => client.release()),
        (error) => callback(error),
      );
    }

    async query(sql: string, params?: unknown[]): Promise<PgResult | PgResult[]> {
      await session.acquire();
      try {
        return await session.run(sql, params);
      } finally {
        session.release();
      }
    }

    end(callback?: (error?: Error | null) => void): Promise<void> | void {
      const closing = db.close();
      if (!callback) return closing;
      closing.then(() => callback(null), (error) => callback(error));
    }
  }
  return { Pool: PGlitePool };
}
