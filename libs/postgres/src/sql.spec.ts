import { DependencyUnavailableError } from '@baton/core';
import { DATABASE_RETRY_AFTER_MS, databaseUnavailable, isDatabaseUnavailable } from './sql';

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', syscall: 'connect' })],
    ['a reset connection', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    ['a connection the server ended', new Error('Connection terminated unexpectedly')],
    ['no connection within the pool timeout', new Error('timeout exceeded when trying to connect')],
    ['a connection exception (class 08)', pgError('08006', 'connection failure')],
    ['a server shut down by its administrator (57P01)', pgError('57P01', 'terminating connection due to administrator command')],
    ['a server that crashed (57P02)', pgError('57P02', 'terminating connection because of crash of another server process')],
    ['a server starting up (57P03)', pgError('57P03', 'the database system is starting up')],
    ['a server shutting down, by its message alone', new Error('the database system is shutting down')],
    ['too many connections (53300)', pgError('53300', 'sorry, too many clients already')],
    ['TypeORM’s wrapper around one', Object.assign(new Error('Query failed'), { driverError: pgError('57P01', 'terminating connection') })],
    ['one given as a cause', new Error('step failed', { cause: new Error('Connection terminated unexpectedly') })],
    ['every address of a host refusing', Object.assign(new AggregateError([pgError('ECONNREFUSED', 'connect ECONNREFUSED ::1:5432')], 'connect failed'))],
    ['a DependencyUnavailableError', new DependencyUnavailableError('the database', 1000)],
  ])('is true for %s', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', pgError('23505', 'duplicate key value violates unique constraint')],
    ['a serialization failure (retried as a conflict instead)', pgError('40001', 'could not serialize access')],
    ['a syntax error', pgError('42601', 'syntax error at or near "SELEC"')],
    ['a dropped database (57P04: it will not come back)', pgError('57P04', 'database dropped')],
    ['an error of the application', new Error('saga not found')],
    ['something that is not an error', 'ECONNREFUSED'],
    ['nothing', undefined],
  ])('is false for %s', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});

describe('databaseUnavailable', () => {
  it('names the database, when to try again and the driver’s reason', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const error = databaseUnavailable(cause);

    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(error).toMatchObject({
      dependency: 'the database',
      retryAfterMs: DATABASE_RETRY_AFTER_MS,
      message: 'the database is unavailable: connect ECONNREFUSED 127.0.0.1:5432',
      cause,
    });
  });

  it('leaves other errors alone', () => {
    expect(databaseUnavailable(pgError('23505', 'duplicate key'))).toBeUndefined();
  });
});
