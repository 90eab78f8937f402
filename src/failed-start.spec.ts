import { DependencyUnavailableError, StartUpTimeoutError } from '@baton/core';
import { ConfigError } from './config/env';
import { describeFailedStart, exitCodeOf } from './failed-start';

const refused = Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092'), { name: 'KafkaJSConnectionError' });
const kafkaTimedOut = () => new StartUpTimeoutError('Kafka (127.0.0.1:9092)', 'listing topics', 60_000, { cause: refused });

describe('A failed start', () => {
  it('exits with a code that says why: 2 invalid configuration, 3 a dependency did not answer, 1 anything else', () => {
    expect(exitCodeOf(new ConfigError(['PORT="x": must be a whole number']))).toBe(2);
    expect(exitCodeOf(kafkaTimedOut())).toBe(3);
    expect(exitCodeOf(new Error('Nest could not resolve a provider', { cause: new DependencyUnavailableError('the database', 5_000) }))).toBe(3);
    expect(exitCodeOf(new Error('Kafka: creating topics failed, and waiting would not help', { cause: new Error('Replication-factor is invalid') }))).toBe(1);
    expect(exitCodeOf('a string')).toBe(1);
  });

  it('says why on its first line, then each cause and what the exit code means', () => {
    expect(describeFailedStart(kafkaTimedOut()).split('\n')).toEqual([
      'Could not start: Kafka (127.0.0.1:9092) did not answer within 60 s (listing topics); last error: KafkaJSConnectionError: Connection error: connect ECONNREFUSED 127.0.0.1:9092',
      '  caused by KafkaJSConnectionError: Connection error: connect ECONNREFUSED 127.0.0.1:9092',
      'Exiting with code 3: a dependency did not answer within the start-up budget (STARTUP_TIMEOUT_MS).',
    ]);
  });

  it('adds the stack of an unexpected error', () => {
    const lines = describeFailedStart(new TypeError("Cannot read properties of undefined (reading 'x')")).split('\n');
    expect(lines[0]).toBe("Could not start: Cannot read properties of undefined (reading 'x')");
    expect(lines[1]).toMatch(/^\s+at /);
    expect(lines.at(-1)).toBe('Exiting with code 1.');
  });
});
