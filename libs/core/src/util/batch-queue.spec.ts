import { AsyncLocalStorage } from 'node:async_hooks';
import { BatchQueue, type Settled } from './batch-queue';

const ok = <T>(value: T): Settled<T> => ({ ok: true, value });
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A run function that records its batches and can be held open. */
function recorder(answer: (item: string) => Settled<string> = (item) => ok(item.toUpperCase())) {
  const batches: string[][] = [];
  const gates: Array<() => void> = [];
  let held = false;
  const run = async (items: string[]) => {
    batches.push(items);
    if (held) await new Promise<void>((resolve) => gates.push(resolve));
    return items.map(answer);
  };
  return {
    batches,
    run,
    hold: () => (held = true),
    release: () => {
      held = false;
      gates.splice(0).forEach((open) => open());
    },
  };
}

describe('BatchQueue', () => {
  it('gives items pushed in the same turn one batch, and each caller its own result', async () => {
    const r = recorder();
    const queue = new BatchQueue(r.run);
    await expect(Promise.all(['a', 'b', 'c'].map((item) => queue.push(item)))).resolves.toEqual(['A', 'B', 'C']);
    expect(r.batches).toEqual([['a', 'b', 'c']]);
  });

  it('runs a lone item at once, without waiting for a batch to fill', async () => {
    const r = recorder();
    const queue = new BatchQueue(r.run, { maxBatchSize: 100 });
    await expect(queue.push('a')).resolves.toBe('A');
    expect(r.batches).toEqual([['a']]);
  });

  it('lets the items that arrive while a batch runs share the next one', async () => {
    const r = recorder();
    const queue = new BatchQueue(r.run);
    r.hold();
    const first = queue.push('a');
    await tick();
    const later = ['b', 'c', 'd'].map((item) => queue.push(item));
    await tick();
    expect(r.batches).toEqual([['a']]);
    r.release();
    await Promise.all([first, ...later]);
    expect(r.batches).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('never puts more than maxBatchSize items in a batch, and runs up to concurrency batches at once', async () => {
    const r = recorder();
    const queue = new BatchQueue(r.run, { maxBatchSize: 2, concurrency: 2 });
    r.hold();
    const results = ['a', 'b', 'c', 'd', 'e'].map((item) => queue.push(item));
    await tick();
    expect(r.batches).toEqual([['a', 'b'], ['c', 'd']]);
    r.release();
    await Promise.all(results);
    expect(r.batches).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('keeps an item out of a batch while another batch holds its key, and runs one key in push order', async () => {
    const r = recorder();
    const queue = new BatchQueue(r.run, { concurrency: 2, keyOf: (item: string) => item[0] });
    r.hold();
    const first = queue.push('x1');
    await tick();
    const rest = ['x2', 'y1', 'x3'].map((item) => queue.push(item));
    await tick();
    // y1 runs beside x1; x2 and x3 wait for x1's batch to finish.
    expect(r.batches).toEqual([['x1'], ['y1']]);
    r.release();
    await Promise.all([first, ...rest]);
    expect(r.batches).toEqual([['x1'], ['y1'], ['x2', 'x3']]);
  });

  it('settles each item with its own failure without failing the others', async () => {
    const r = recorder((item) => (item === 'bad' ? { ok: false, error: new Error('bad item') } : ok(item)));
    const queue = new BatchQueue(r.run);
    const [good, bad] = [queue.push('good'), queue.push('bad')];
    await expect(good).resolves.toBe('good');
    await expect(bad).rejects.toThrow('bad item');
  });

  it('tries a batch whose run throws again one item at a time, so one poisonous item fails alone', async () => {
    const batches: string[][] = [];
    const queue = new BatchQueue(async (items: string[]) => {
      batches.push(items);
      if (items.includes('poison')) throw new Error('the batch failed');
      return items.map(ok);
    });
    const results = await Promise.allSettled(['a', 'poison', 'b'].map((item) => queue.push(item)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(batches).toEqual([['a', 'poison', 'b'], ['a'], ['poison'], ['b']]);
  });

  it('fails the later items of a key whose earlier item failed alone, instead of letting them overtake it', async () => {
    const batches: string[][] = [];
    const queue = new BatchQueue(
      async (items: string[]) => {
        batches.push(items);
        if (items.some((item) => item.endsWith('!'))) throw new Error(`failed at ${items.join(',')}`);
        return items.map(ok);
      },
      { keyOf: (item) => item[0] },
    );
    const results = await Promise.allSettled(['x1!', 'y1', 'x2'].map((item) => queue.push(item)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'rejected']);
    expect((results[2] as PromiseRejectedResult).reason.message).toBe('failed at x1!');
    expect(batches).toEqual([['x1!', 'y1', 'x2'], ['x1!'], ['y1']]);
  });

  it('says when nothing is queued or running', async () => {
    const r = recorder();
    const queue = new BatchQueue(r.run);
    r.hold();
    const pushed = queue.push('a');
    let idle = false;
    const waiting = queue.idle().then(() => (idle = true));
    await tick();
    expect(idle).toBe(false);
    r.release();
    await Promise.all([pushed, waiting]);
    expect(idle).toBe(true);
  });

  it("runs a batch in the context it was made in, not in that of the caller whose push started it", async () => {
    const storage = new AsyncLocalStorage<string>();
    const seen: Array<string | undefined> = [];
    const queue = storage.run('queue', () =>
      new BatchQueue(async (items: string[]) => {
        seen.push(storage.getStore());
        return items.map(ok);
      }),
    );
    await storage.run('first caller', () => Promise.all([queue.push('a'), queue.push('b')]));
    expect(seen).toEqual(['queue']);
  });

  it('refuses a batch size or concurrency below 1', () => {
    expect(() => new BatchQueue(async () => [], { maxBatchSize: 0 })).toThrow(RangeError);
    expect(() => new BatchQueue(async () => [], { concurrency: 0 })).toThrow(RangeError);
  });
});
