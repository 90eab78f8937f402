import { TokenBucket } from './token-bucket';

describe('A token bucket', () => {
  let now = 0;
  const clock = () => now;

  beforeEach(() => {
    now = 0;
  });

  it('lets a burst of its capacity through, then refuses and says when the next token comes', () => {
    const bucket = new TokenBucket(4, 4, clock);

    expect([1, 2, 3, 4, 5].map(() => bucket.tryTake())).toEqual([true, true, true, true, false]);
    expect(bucket.msUntilNextToken()).toBe(250);
  });

  it('refills at its rate, never beyond its capacity', () => {
    const bucket = new TokenBucket(2, 2, clock);
    while (bucket.tryTake());

    now = 499;
    expect(bucket.tryTake()).toBe(false);
    now = 500;
    expect(bucket.tryTake()).toBe(true);

    now = 60_000;
    expect([1, 2, 3].map(() => bucket.tryTake())).toEqual([true, true, false]);
  });
});
