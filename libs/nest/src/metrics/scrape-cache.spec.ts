import { ScrapeCache } from './scrape-cache';

describe('A scrape cache', () => {
  let now = 0;
  let loads = 0;
  let answer: () => Promise<number>;

  const cache = () =>
    new ScrapeCache(
      () => {
        loads++;
        return answer();
      },
      1000,
      () => now,
    );

  beforeEach(() => {
    now = 0;
    loads = 0;
    answer = async () => loads;
  });

  it('reads once per interval however many scrapes ask, and again once the interval has passed', async () => {
    const values = cache();

    expect(await values.get()).toBe(1);
    now = 999;
    expect(await values.get()).toBe(1);
    now = 1000;
    expect(await values.get()).toBe(2);
    expect(loads).toBe(2);
  });

  it('lets scrapes that arrive during a read share it, even a slow one that outlasts the interval', async () => {
    let finish!: (value: number) => void;
    answer = () => new Promise((resolve) => (finish = resolve));
    const values = cache();

    const first = values.get();
    now = 5000;
    const second = values.get();
    finish(42);

    expect(await Promise.all([first, second])).toEqual([42, 42]);
    expect(loads).toBe(1);
  });

  it('keeps no failed read: the next scrape reads again', async () => {
    answer = async () => {
      throw new Error('database is down');
    };
    const values = cache();

    await expect(values.get()).rejects.toThrow('database is down');
    answer = async () => 7;
    expect(await values.get()).toBe(7);
    expect(loads).toBe(2);
  });
});
