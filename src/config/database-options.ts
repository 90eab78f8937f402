import { Logger } from '@nestjs/common';
import type { DatabaseOptions } from '@baton/postgres';
import type { AppConfig } from './app.config';

/** The database a process opens, from its configuration (the host's or the participants'), with `migrations` of its own. */
export function databaseOptions(config: AppConfig, migrations: NonNullable<DatabaseOptions['migrations']>): DatabaseOptions {
  return {
    url: config.databaseUrl,
    schema: config.databaseSchema,
    poolSize: config.databasePoolSize,
    preparedStatements: config.databasePreparedStatements,
    dataDir: config.pgliteDataDir,
    startTimeoutMs: config.startupTimeoutMs,
    logger: new Logger('Database'),
    migrations,
  };
}
