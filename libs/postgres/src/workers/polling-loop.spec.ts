import { PollingLoop } from './polling-loop';

const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };
const until = async (condition: () => boolean) => {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 2));
  expect(condition()).toBe(true);
};

describe('PollingLoop', () => {
  it('runs again at once while rounds find work, and pauses when one finds none', async () => {
    let work = 3;
    let rounds = 0;
    const loop = new PollingLoop(async () => (rounds++, work > 0 ? work-- : 0), { name: 'test', idleMs: 60_000, logger: silent });
    loop.start();
    await until(() => rounds === 4);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(rounds).toBe(4);
    await loop.stop();
  });

  it('cuts a pause short when woken', async () => {
    let rounds = 0;
    const loop = new PollingLoop(async () => (rounds++, 0), { name: 'test', idleMs: 60_000, logger: silent });
    loop.start();
    await until(() => rounds === 1);
    loop.wake();
    await until(() => rounds === 2);
    await loop.stop();
  });

  it('with several workers, wakes one sleeping worker per wake-up', async () => {
    let rounds = 0;
    const loop = new PollingLoop(async () => (rounds++, 0), { name: 'test', idleMs: 60_000, concurrency: 3, logger: silent });
    loop.start();
    await until(() => rounds === 3);
    loop.wake();
    await until(() => rounds === 4);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(rounds).toBe(4);
    await loop.stop();
  });

  it('keeps a busy worker from sleeping after a wake-up that found every worker busy', async () => {
    let rounds = 0;
    let release!: () => void;
    const loop = new PollingLoop(
      async () => {
        rounds++;
        if (rounds === 1) await new Promise<void>((resolve) => (release = resolve));
        return 0;
      },
      { name: 'test', idleMs: 60_000, logger: silent },
    );
    loop.start();
    await until(() => rounds === 1);
    loop.wake();
    release();
    await until(() => rounds === 2);
    await loop.stop();
  });

  it('runs at most `concurrency` rounds at once and lets them finish on stop', async () => {
    let running = 0;
    let most = 0;
    let finished = 0;
    const loop = new PollingLoop(
      async () => {
        most = Math.max(most, ++running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        finished++;
        return 1;
      },
      { name: 'test', idleMs: 60_000, concurrency: 2, logger: silent },
    );
    loop.start();
    await until(() => finished >= 6);
    await loop.stop();
    expect(most).toBe(2);
    expect(running).toBe(0);
  });

  it('backs off after a failed round and goes on', async () => {
    let rounds = 0;
    const errors: string[] = [];
    const loop = new PollingLoop(
      async () => {
        if (++rounds === 1) throw new Error('database unreachable');
        return 0;
      },
      { name: 'test', idleMs: 60_000, errorBackoffMs: 5, logger: { ...silent, error: (message: string) => errors.push(message) } },
    );
    loop.start();
    await until(() => rounds === 2);
    expect(errors).toEqual([
      'test: round failed, retrying in 5 ms and then at most every 5000 ms until a round succeeds (logged again only then): database unreachable',
    ]);
    await loop.stop();
  });

  it('logs a run of failed rounds once, pausing longer after each, and says when rounds succeed again', async () => {
    let rounds = 0;
    const started: number[] = [];
    const lines: string[] = [];
    const logger = { log: (line: string) => lines.push(line), warn: () => undefined, error: (line: string) => lines.push(line) };
    const loop = new PollingLoop(
      async () => {
        started.push(performance.now());
        if (++rounds <= 5) throw new Error('database unreachable');
        return 0;
      },
      { name: 'test', idleMs: 60_000, errorBackoffMs: 4, maxErrorBackoffMs: 16, logger },
    );
    loop.start();
    await until(() => rounds === 6);
    await loop.stop();

    expect(lines).toEqual([
      expect.stringMatching(/^test: round failed, retrying in 4 ms and then at most every 16 ms .*: database unreachable$/),
      expect.stringMatching(/^test: rounds succeed again, after 5 failed round\(s\) over \d+\.\d s\.$/),
    ]);
    // 4, 8, 16, 16, 16 ms: doubling up to the most.
    const pauses = started.slice(1).map((at, i) => at - started[i]);
    expect(pauses[2]).toBeGreaterThanOrEqual(15);
    expect(pauses[4]).toBeLessThan(16 * 20);
  });
});
