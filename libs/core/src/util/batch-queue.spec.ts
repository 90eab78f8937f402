import { AsyncLocalStorage } from 'node:async_hooks';
import { BatchItemFailed, BatchQueue, type Settled } from './batch-queue';

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

  describe('when run names the item that failed its batch (BatchItemFailed)', () => {
    /** A run that fails its batch at the first item ending in "!", naming it, the way a rolled-back transaction would. */
    function naming() {
      const batches: string[][] = [];
      const run = async (items: string[]) => {
        batches.push(items);
        const index = items.findIndex((item) => item.endsWith('!'));
        if (index >= 0) throw new BatchItemFailed(index, new Error(`${items[index]} failed`));
        return items.map(ok);
      };
      return { batches, run };
    }

    it('fails that item alone with its own error, without running it again, and runs the others as a batch before it and one after it', async () => {
      const { batches, run } = naming();
      const queue = new BatchQueue(run);
      const results = await Promise.allSettled(['a', 'b', 'c!', 'd', 'e'].map((item) => queue.push(item)));
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      expect((results[2] as PromiseRejectedResult).reason).toEqual(new Error('c! failed'));
      expect(batches).toEqual([['a', 'b', 'c!', 'd', 'e'], ['a', 'b'], ['d', 'e']]);
    });

    it('handles each named item in turn when the items after it fail their batch again', async () => {
      const { batches, run } = naming();
      const queue = new BatchQueue(run);
      const results = await Promise.allSettled(['a!', 'b', 'c!', 'd'].map((item) => queue.push(item)));
      expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'rejected', 'fulfilled']);
      expect(batches).toEqual([['a!', 'b', 'c!', 'd'], ['b', 'c!', 'd'], ['b'], ['d']]);
    });

    it('fails the later items of the failed item\'s key with it, and runs the other keys', async () => {
      const { batches, run } = naming();
      const queue = new BatchQueue(run, { keyOf: (item) => item[0] });
      const results = await Promise.allSettled(['x1!', 'y1', 'x2', 'y2'].map((item) => queue.push(item)));
      expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'rejected', 'fulfilled']);
      expect((results[2] as PromiseRejectedResult).reason).toEqual(new Error('x1! failed'));
      expect(batches).toEqual([['x1!', 'y1', 'x2', 'y2'], ['y1', 'y2']]);
    });

    it('treats an index outside the batch as any other error: one item at a time', async () => {
      const batches: string[][] = [];
      const queue = new BatchQueue(async (items: string[]) => {
        batches.push(items);
        if (items.length > 1) throw new BatchItemFailed(items.length, new Error('no such item'));
        return items.map(ok);
      });
      await expect(Promise.all(['a', 'b'].map((item) => queue.push(item)))).resolves.toEqual(['a', 'b']);
      expect(batches).toEqual([['a', 'b'], ['a'], ['b']]);
    });
  });

  describe('failedAlone', () => {
    it('answers an item that failed alone, whichever way, in the batch\'s order, before the items after it settle', async () => {
      const seen: string[] = [];
      const queue = new BatchQueue(
        async (items: string[]) => {
          if (items.includes('named')) throw new BatchItemFailed(items.indexOf('named'), 'named failed');
          if (items.includes('thrown') && items.length === 1) throw 'thrown failed';
          if (items.includes('thrown')) throw new Error('the batch failed');
          return items.map((item) => (item === 'answered' ? { ok: false as const, error: 'answered failed' } : ok(item)));
        },
        {
          failedAlone: async (item, error) => {
            await tick();
            seen.push(`failedAlone ${item}`);
            return `recovered from ${String(error)}`;
          },
        },
      );
      const items = ['a', 'named', 'b', 'answered', 'c'];
      const results = await Promise.all(items.map((item) => queue.push(item).finally(() => seen.push(`settled ${item}`))));
      expect(results).toEqual(['a', 'recovered from named failed', 'b', 'recovered from answered failed', 'c']);
      expect(seen).toEqual(['settled a', 'failedAlone named', 'settled named', 'settled b', 'failedAlone answered', 'settled answered', 'settled c']);
      await expect(queue.push('thrown')).resolves.toBe('recovered from thrown failed');
    });

    it('fails the item with the error it throws, and the later items of its key with it, which it never sees', async () => {
      const failedAlone = jest.fn(async (item: string, error: unknown) => {
        if (item === 'x1!') throw new Error(`x1! could not be answered after ${(error as Error).message}`);
        return 'answered';
      });
      const queue = new BatchQueue(
        async (items: string[]) => {
          const index = items.findIndex((item) => item.endsWith('!'));
          if (index >= 0) throw new BatchItemFailed(index, new Error(`${items[index]} failed`));
          return items.map(ok);
        },
        { keyOf: (item) => item[0], failedAlone },
      );
      const results = await Promise.allSettled(['x1!', 'y1!', 'x2', 'y2'].map((item) => queue.push(item)));
      expect(results).toEqual([
        { status: 'rejected', reason: new Error('x1! could not be answered after x1! failed') },
        { status: 'fulfilled', value: 'answered' },
        { status: 'rejected', reason: new Error('x1! could not be answered after x1! failed') },
        { status: 'fulfilled', value: 'y2' },
      ]);
      // An item answered by failedAlone has not failed: the later items of its key run.
      expect(failedAlone.mock.calls.map(([item]) => item)).toEqual(['x1!', 'y1!']);
    });

    it('runs in the context the queue was made in', async () => {
      const storage = new AsyncLocalStorage<string>();
      const seen: Array<string | undefined> = [];
      const queue = storage.run('queue', () =>
        new BatchQueue(async () => Promise.reject(new Error('failed')), {
          failedAlone: () => {
            seen.push(storage.getStore());
            return 'answered';
          },
        }),
      );
      await expect(storage.run('caller', () => queue.push('a'))).resolves.toBe('answered');
      expect(seen).toEqual(['queue']);
    });
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
