import { DependencyUnavailableError } from '../errors/dependency-unavailable.error';
import { StartUpTimeoutError } from '../errors/start-up-timeout.error';
import { StartUpWait, type StartUpWaitOptions } from './start-up-wait';

class Refused extends Error {
  override name = 'Refused';
}

function recorder() {
  const lines: string[] = [];
  const logger = { log: (m: string) => lines.push(`log ${m}`), warn: (m: string) => lines.push(`warn ${m}`), error: (m: string) => lines.push(`error ${m}`) };
  return { lines, logger };
}

function wait(options: Partial<StartUpWaitOptions> & { logger: StartUpWaitOptions['logger'] }): StartUpWait {
  return new StartUpWait({
    dependency: 'Thing (host:1)',
    timeoutMs: 2_000,
    isTransient: (error) => error instanceof Refused,
    retryDelayMs: 5,
    maxRetryDelayMs: 20,
    ...options,
  });
}

describe('StartUpWait', () => {
  it('tries a step again while waiting helps, logging each kind of wait once, and says how long it waited', async () => {
    const { lines, logger } = recorder();
    const startUp = wait({ logger });
    let calls = 0;
    const value = await startUp.run('connecting', async () => {
      if (++calls < 5) throw new Refused('connect ECONNREFUSED');
      return 'connected';
    });
    startUp.done();
    expect(value).toBe('connected');
    expect(calls).toBe(5);
    expect(lines.filter((line) => line.startsWith('warn'))).toEqual([
      expect.stringMatching(/^warn Waiting for Thing \(host:1\) \(connecting\): Refused: connect ECONNREFUSED\. Trying again for up to .* s more \(start-up budget 2 s\)\.$/),
    ]);
    expect(lines.at(-1)).toMatch(/^log Thing \(host:1\) answered after [\d.]+ s of waiting\.$/);
  });

  it('says nothing when the dependency answers at once', async () => {
    const { lines, logger } = recorder();
    const startUp = wait({ logger });
    await startUp.run('connecting', async () => 'ok');
    startUp.done();
    expect(lines).toEqual([]);
  });

  it('fails at once, naming the dependency and the step, when waiting would not help', async () => {
    const { logger } = recorder();
    let calls = 0;
    const failure = await wait({ logger })
      .run('creating topics', async () => {
        calls++;
        throw new Error('Replication-factor is invalid');
      })
      .catch((error: Error) => error);
    expect(calls).toBe(1);
    expect(failure).not.toBeInstanceOf(DependencyUnavailableError);
    expect((failure as Error).message).toBe('Thing (host:1): creating topics failed, and waiting would not help: Error: Replication-factor is invalid');
    expect((failure as Error).cause).toBeInstanceOf(Error);
  });

  it('gives up once the budget is spent: a StartUpTimeoutError (a DependencyUnavailableError) with the step, the budget and the last error', async () => {
    const { logger } = recorder();
    const began = Date.now();
    const failure = await wait({ logger, timeoutMs: 300 })
      .run('connecting', async () => {
        throw new Refused('connect ECONNREFUSED');
      })
      .catch((error: Error) => error);
    expect(Date.now() - began).toBeGreaterThanOrEqual(250);
    expect(failure).toBeInstanceOf(StartUpTimeoutError);
    expect(failure).toBeInstanceOf(DependencyUnavailableError);
    expect((failure as StartUpTimeoutError).dependency).toBe('Thing (host:1)');
    expect((failure as Error).message).toBe('Thing (host:1) did not answer within 0.3 s (connecting); last error: Refused: connect ECONNREFUSED');
    expect((failure as Error).cause).toBeInstanceOf(Refused);
  });

  it('gives up on an attempt still running when the budget is spent', async () => {
    const { logger } = recorder();
    const failure = await wait({ logger, timeoutMs: 200 })
      .run('fetching metadata', () => new Promise(() => undefined))
      .catch((error: Error) => error);
    expect(failure).toBeInstanceOf(StartUpTimeoutError);
    expect((failure as Error).message).toBe('Thing (host:1) did not answer within 0.2 s (fetching metadata); last error: no answer at all');
  });

  it('counts one budget across the steps of a start', async () => {
    // The clock is the test's: each step says how much time it took, so the count of attempts shows which budget applied.
    let now = 1_000_000;
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => now);
    try {
      const { logger } = recorder();
      const startUp = wait({ logger, timeoutMs: 300 });
      await startUp.run('connecting', async () => {
        now += 250;
      });
      let calls = 0;
      const failure = await startUp
        .run('creating topics', async () => {
          calls++;
          now += 30;
          throw new Refused('not yet');
        })
        .catch((error: Error) => error);
      expect(failure).toBeInstanceOf(StartUpTimeoutError);
      // 50 ms were left of the 300: the second attempt ends past them (a budget of its own would allow about ten).
      expect(calls).toBe(2);
    } finally {
      clock.mockRestore();
    }
  });
});
