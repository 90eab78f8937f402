import { InFlightGauge } from './in-flight-gauge';

describe('The in-flight gauge', () => {
  let now = 0;
  let inDatabase = 0;
  let counts = 0;
  const count = async () => (counts++, inDatabase);

  beforeEach(() => {
    now = 0;
    inDatabase = 0;
    counts = 0;
  });

  it('counts in the database at most once per interval, however many starts ask', async () => {
    const gauge = new InFlightGauge(count, 500, () => now);

    await Promise.all([gauge.refreshIfStale(), gauge.refreshIfStale(), gauge.refreshIfStale()]);
    now = 499;
    await gauge.refreshIfStale();
    expect(counts).toBe(1);

    now = 500;
    await gauge.refreshIfStale();
    expect(counts).toBe(2);
  });

  it('adds the starts under way and those confirmed since the count, and drops the released ones', async () => {
    inDatabase = 10;
    const gauge = new InFlightGauge(count, 500, () => now);
    await gauge.refreshIfStale();

    const started = gauge.reserve();
    const refused = gauge.reserve();
    expect(gauge.estimate()).toBe(12);
    started.confirm();
    refused.release();
    refused.release();
    expect(gauge.estimate()).toBe(11);

    // The next count has the confirmed start in it: it is no longer added.
    inDatabase = 11;
    now = 500;
    await gauge.refreshIfStale();
    expect(gauge.estimate()).toBe(11);
  });
});
