import { mkdirSync } from 'node:fs';
import type { PGlite } from '@electric-sql/pglite';
import { DataSource, type MixedList } from 'typeorm';
import { StartUpWait, type BatonLogger } from '@baton/core';
import { DeadLetterEntity } from './entities/dead-letter.entity';
import { InboxMessageEntity } from './entities/inbox-message.entity';
import { OutboxMessageEntity } from './entities/outbox-message.entity';
import { SagaHistoryEntity } from './entities/saga-history.entity';
import { SagaTimerEntity } from './entities/saga-timer.entity';
import { SagaEntity } from './entities/saga.entity';
import { doNotPrepareStatements } from './folded-transaction';
import { BatonSchema1763800000001 } from './migrations/0001-baton-schema.migration';
import { DeadLetterStatus1763800000002 } from './migrations/0002-dead-letter-status.migration';
import { SagaRuntime1763800000003 } from './migrations/0003-saga-runtime.migration';
import { TimerTraceContext1763800000004 } from './migrations/0004-timer-trace-context.migration';
import { DeadLetterRawBytes1763800000005 } from './migrations/0005-dead-letter-raw-bytes.migration';
import { TimerClaims1763800000006 } from './migrations/0006-timer-claims.migration';
import { OutboxMessageId1763800000007 } from './migrations/0007-outbox-message-id.migration';
import { SagaSearch1763800000008 } from './migrations/0008-saga-search.migration';
import { StepAssert1763800000009 } from './migrations/0009-step-assert.migration';
import { SagaRoomForUpdates1763800000010 } from './migrations/0010-saga-room-for-updates.migration';
import { OutboxSender1763800000011 } from './migrations/0011-outbox-sender.migration';
import { pgliteDriver } from './pglite/pglite-pool';
import { loadOptionalPeer } from './optional-peer';
import { isDatabaseUnavailable } from './sql';

/** The orchestrator's tables as TypeORM entities: createBatonDataSource opens a DataSource with them (plus the app's own). */
export const BATON_ENTITIES = [SagaEntity, SagaHistoryEntity, OutboxMessageEntity, InboxMessageEntity, SagaTimerEntity, DeadLetterEntity];
/**
 * Every migration of the orchestrator's tables, in order: createBatonDataSource
 * runs them (then the app's own). Never edited once released: a change is a
 * new migration.
 */
export const BATON_MIGRATIONS = [
  BatonSchema1763800000001,
  DeadLetterStatus1763800000002,
  SagaRuntime1763800000003,
  TimerTraceContext1763800000004,
  DeadLetterRawBytes1763800000005,
  TimerClaims1763800000006,
  OutboxMessageId1763800000007,
  SagaSearch1763800000008,
  StepAssert1763800000009,
  SagaRoomForUpdates1763800000010,
  OutboxSender1763800000011,
];

/** Where a database is and how to open it: options of `createDataSource` and `createBatonDataSource`. */
export interface DatabaseOptions {
  /** A PostgreSQL connection string. Without it Baton runs on embedded PGlite. */
  url?: string;
  /** Where PGlite keeps its files; `memory://` keeps nothing. @default '.data/pglite' */
  dataDir?: string;
  /** Schema for every table (created if missing); lets several suites or apps share one database. @default the server's search_path (usually `public`) */
  schema?: string;
  /** Connections in the pool (PostgreSQL only; PGlite has one session). @default 10 */
  poolSize?: number;
  /**
   * Keep the step's statements prepared on each connection (PostgreSQL
   * only), so the server parses and plans them once instead of at every
   * step (docs/architecture.md, "Round trips of a step"). Turn it off
   * behind a connection pooler that does not keep protocol-level prepared
   * statements across transactions: PgBouncer before 1.21, or without
   * `max_prepared_statements`, in transaction mode.
   * @default true
   */
  preparedStatements?: boolean;
  /** Entities of other libs or of the app (the example participants). @default none */
  entities?: MixedList<any>;
  /** Migrations of other libs or of the app (the participant tables, the example participants); createBatonDataSource runs them after Baton's own. @default none */
  migrations?: MixedList<any>;
  /**
   * How long opening waits for a PostgreSQL that refuses connections or is
   * still starting (as when a whole deployment starts at once), trying again
   * with capped backoff; then it fails with a StartUpTimeoutError (a
   * DependencyUnavailableError) naming the server, never the password.
   * Other errors (a wrong password, no such database) fail at once.
   * @default 60000
   */
  startTimeoutMs?: number;
  /** Where waiting for the database is logged. @default the console */
  logger?: BatonLogger;
}

/** Options of `createBatonDataSource`. */
export type BatonDataSourceOptions = DatabaseOptions;

const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;


/**
 * Opens the orchestrator's database (Baton's tables plus `options`' own) and
 * brings it up to date with the numbered migrations.
 */
export function createBatonDataSource(options: DatabaseOptions = {}): Promise<DataSource> {
  return createDataSource({
    ...options,
    entities: [...BATON_ENTITIES, ...asArray(options.entities)],
    migrations: [...BATON_MIGRATIONS, ...asArray(options.migrations)],
  });
}

/** The longest a new connection to PostgreSQL may take to open. */
const CONNECT_TIMEOUT_MS = 5_000;
/** How long opening waits for a PostgreSQL that is not there yet or still starting. */
export const DATABASE_DEFAULT_START_TIMEOUT_MS = 60_000;

/**
 * Opens a database, PostgreSQL or embedded PGlite, with exactly the given
 * entities and migrations, and runs the pending migrations (never
 * `synchronize`). Both kinds run the same SQL. A participant service opens
 * its own database this way. A PostgreSQL that is not there yet or still
 * starting is waited for, within `startTimeoutMs`.
 */
export async function createDataSource(options: DatabaseOptions = {}): Promise<DataSource> {
  const { schema } = options;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new Error(`Database schema "${schema}" must be lower-case letters, digits and underscores.`);
  }
  const common = {
    type: 'postgres' as const,
    entities: asArray(options.entities),
    migrations: asArray(options.migrations),
    migrationsTableName: 'baton_migrations',
    synchronize: false,
    logging: false as const,
  };
  const dataSource = options.url
    ? new DataSource({
        ...common,
        url: options.url,
        poolSize: options.poolSize ?? 10,
        applicationName: 'baton',
        extra: {
          // A server that drops packets instead of refusing: give up on a connection after this long
          // (a DependencyUnavailableError, 503) rather than after the kernel's TCP timeout.
          connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
          // Unqualified names in every statement resolve to the configured schema.
          ...(schema ? { options: `-c search_path=${schema}` } : {}),
        },
      })
    : new DataSource({ ...common, driver: pgliteDriver(await openPGlite(options.dataDir ?? '.data/pglite')) });
  if (options.preparedStatements === false) doNotPrepareStatements(dataSource);
  if (options.url) {
    // A failed connect leaves no connection open (and TypeORM destroys what a later failure began): trying again is safe.
    const startUp = new StartUpWait({
      dependency: `the database (${whereIs(options.url)})`,
      timeoutMs: options.startTimeoutMs ?? DATABASE_DEFAULT_START_TIMEOUT_MS,
      isTransient: isDatabaseUnavailable,
      kindOf: databaseErrorKind,
      describe: describeDatabaseError,
      logger: options.logger,
    });
    let gaveUp = false;
    try {
      await startUp.run('connecting', async () => {
        await dataSource.initialize();
        // An attempt given up on at the deadline that connects after all: its pool would keep the process alive.
        if (gaveUp) await dataSource.destroy();
      });
    } catch (error) {
      gaveUp = true;
      throw error;
    }
    startUp.done();
  } else {
    // PGlite runs in this process: nothing to wait for.
    await dataSource.initialize();
  }
  try {
    if (schema) {
      await dataSource.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      if (!options.url) await dataSource.query(`SET search_path TO ${schema}`);
    }
    await dataSource.runMigrations({ transaction: 'each' });
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}

/** Where a connection string points, for messages: server, port and database, never the user or password. */
function whereIs(url: string): string {
  try {
    const parsed = new URL(url);
    return `PostgreSQL at ${parsed.hostname || 'localhost'}:${parsed.port || 5432}${parsed.pathname.length > 1 ? parsed.pathname : ''}`;
  } catch {
    return 'PostgreSQL';
  }
}

/** A kind of wait, for logging each once: the error's code (SQLSTATE or socket error), else the start of its message. */
function databaseErrorKind(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return typeof code === 'string' ? code : String(message).slice(0, 40);
}

/**
 * How a driver error reads in a log line: its message and code; an
 * AggregateError (a host with several addresses) by its first error. Read by
 * shape: socket errors may come from another realm than this module's Error.
 */
function describeDatabaseError(error: unknown): string {
  type Fields = { message?: unknown; code?: unknown; errors?: unknown };
  const { errors } = (error ?? {}) as Fields;
  let { message, code } = (error ?? {}) as Fields;
  if (!message && Array.isArray(errors) && errors.length) ({ message, code } = (errors[0] ?? {}) as Fields);
  if (typeof message !== 'string' || !message) return String(error);
  return `${message}${typeof code === 'string' && !message.includes(code) ? ` (${code})` : ''}`;
}

async function openPGlite(dataDir: string): Promise<PGlite> {
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const { PGlite, types } = await loadOptionalPeer(
    () => import('@electric-sql/pglite'),
    '@electric-sql/pglite',
    'Embedded PGlite (no database URL given)',
  );
  // int8 (bigserial ids, counts) as strings, as `pg` returns them.
  return PGlite.create(dataDir, { parsers: { [types.INT8]: (value: string) => value } });
}

function asArray<T>(list: MixedList<T> | undefined): T[] {
  if (!list) return [];
  return Array.isArray(list) ? list : Object.values(list);
}
