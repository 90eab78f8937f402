import { errorMessage } from '@baton/core';
import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { DataSource } from 'typeorm';
import { databaseUnavailable } from '@baton/postgres';
import { BATON_DATA_SOURCE } from '../baton.tokens';
import { withTimeout } from './with-timeout';

/** The longest a readiness probe waits for the database: a probe must answer even when the database does not. */
const TIMEOUT_MS = 2000;

/** The driver's reason, said as an outage when it is one ("the database is unavailable: connect ECONNREFUSED ..."). */
const reason = (error: unknown) => {
  const unavailable = databaseUnavailable(error);
  return unavailable ? unavailable.message : errorMessage(error);
};

/** Readiness of Baton's database: it answers, and its schema is up to date. */
@Injectable()
export class DatabaseHealthIndicator {
  /** Once no migration is pending none will be again (applied migrations are never undone): asked until then only. */
  private migrated = false;

  constructor(
    @Inject(BATON_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly indicators: HealthIndicatorService,
  ) {}

  /** Up when the database answers `SELECT 1` within 2 s. */
  async answers<const Key extends string>(key: Key) {
    const check = this.indicators.check(key);
    try {
      await withTimeout(this.dataSource.query('SELECT 1'), TIMEOUT_MS, `no answer to SELECT 1 within ${TIMEOUT_MS} ms`);
      return check.up();
    } catch (error) {
      return check.down({ message: reason(error) });
    }
  }

  /** Up when every migration of this host has run. */
  async migrationsRan<const Key extends string>(key: Key) {
    const check = this.indicators.check(key);
    if (this.migrated) return check.up();
    try {
      const pending = await withTimeout(this.dataSource.showMigrations(), TIMEOUT_MS, `no answer within ${TIMEOUT_MS} ms`);
      if (pending) return check.down({ message: 'migrations are pending; a host runs them when it starts' });
      this.migrated = true;
      return check.up();
    } catch (error) {
      return check.down({ message: reason(error) });
    }
  }
}
