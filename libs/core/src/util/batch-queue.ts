import { AsyncResource } from 'node:async_hooks';

/** What a batch answers for one of its items. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** How a BatchQueue batches its items and what it does with one that fails. */
export interface BatchQueueOptions<I, O = unknown> {
  /** Most items in one batch. @default 64 */
  maxBatchSize?: number;
  /** Batches running at once. @default 1 */
  concurrency?: number;
  /**
   * Items with the same key run in the order they were pushed and never in
   * two batches at once: an item waits while a batch holds its key. Without
   * it, items carry no order.
   */
  keyOf?: (item: I) => string;
  /**
   * The result of an item that failed on its own: `run` named it
   * (BatchItemFailed), answered it `{ ok: false }`, or threw running it
   * alone. Resolve to answer it after all (having recorded the failure, say),
   * throw to fail it with that error. Called once per such item, in the
   * queue's async context, and awaited before the items after it settle;
   * never for an item refused because an earlier item of its key failed.
   * @default the item fails with its error
   */
  failedAlone?: (item: I, error: unknown) => O | Promise<O>;
}

/**
 * Thrown by a BatchQueue's `run` to say that the item at `index` of its
 * batch failed the batch (and `run` undid the others' work, by rolling back
 * their transaction, say): the queue runs the items before it again as one
 * batch, settles it alone (see BatchQueueOptions.failedAlone), then runs the
 * items after it as one batch. `error` is what the item failed with; it is
 * not the `cause`, so error inspectors that look through causes see this
 * error, not the item's. An `index` outside the batch makes it an error like
 * any other.
 */
export class BatchItemFailed extends Error {
  constructor(
    readonly index: number,
    readonly error: unknown,
  ) {
    super(`item ${index} of its batch failed it`);
    this.name = 'BatchItemFailed';
  }
}

interface Pending<I, O> {
  item: I;
  key?: string;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: callers push one item each and await its own result; the
 * queue hands whatever has gathered to `run` as one batch. Nothing waits for
 * a batch to fill: a batch starts as soon as a slot is free, so under light
 * load an item runs alone, and under heavy load the items that arrive while
 * the slots are busy share the next batch.
 *
 * `run` answers every item of its batch, in order. If it throws
 * BatchItemFailed, the item it names fails alone and the others run again
 * without it: those before it as one batch, then those after it as another.
 * If it throws anything else, the batch is tried again one item at a time
 * (so one poisonous item cannot fail the others). Every item that fails on
 * its own goes through `failedAlone`, which may still answer it. Once an
 * item of a key has failed, the later items of that key in the batch fail
 * with it instead of overtaking it. The items of a key settle in order.
 *
 * A batch runs in the async context the queue was made in, not in that of
 * whichever caller happened to trigger it: one item's log context or active
 * span must not spill over onto the others (run sets each item's own).
 */
export class BatchQueue<I, O> {
  private readonly waiting: Array<Pending<I, O>> = [];
  /** Keys of the items in running batches. */
  private readonly busy = new Map<string, number>();
  private running = 0;
  private scheduled = false;
  private idleWaiters: Array<() => void> = [];
  private readonly maxBatchSize: number;
  private readonly concurrency: number;
  private readonly startScheduled = AsyncResource.bind(() => {
    this.scheduled = false;
    this.startBatches();
  });

  constructor(
    private readonly run: (items: I[]) => Promise<Array<Settled<O>>>,
    private readonly options: BatchQueueOptions<I, O> = {},
  ) {
    this.maxBatchSize = options.maxBatchSize ?? 64;
    this.concurrency = options.concurrency ?? 1;
    if (!(this.maxBatchSize >= 1) || !(this.concurrency >= 1)) {
      throw new RangeError(`BatchQueue needs maxBatchSize and concurrency of at least 1, got ${this.maxBatchSize} and ${this.concurrency}.`);
    }
  }

  /** Queues `item`; resolves or rejects with its own result once its batch has run. */
  push(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, key: this.options.keyOf?.(item), resolve, reject });
      this.schedule();
    });
  }

  /** Items queued, not yet in a batch. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves once nothing is queued or running. */
  idle(): Promise<void> {
    if (!this.running && !this.waiting.length) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled || this.running >= this.concurrency) return;
    this.scheduled = true;
    // Let the pushes of this turn of the event loop (and the I/O completing with it) join the batch.
    setImmediate(this.startScheduled);
  }

  private startBatches(): void {
    while (this.running < this.concurrency) {
      const batch = this.take();
      if (!batch.length) break;
      this.running++;
      void this.runBatch(batch).finally(() => {
        this.running--;
        for (const { key } of batch) if (key !== undefined) this.release(key);
        if (this.waiting.length) this.schedule();
        else if (!this.running) this.idleWaiters.splice(0).forEach((resolve) => resolve());
      });
    }
  }

  /** The oldest waiting items whose key no running batch holds, up to the batch size. */
  private take(): Array<Pending<I, O>> {
    const batch: Array<Pending<I, O>> = [];
    let kept = 0;
    for (let i = 0; i < this.waiting.length; i++) {
      const pending = this.waiting[i];
      if (batch.length < this.maxBatchSize && (pending.key === undefined || !this.busy.has(pending.key))) {
        batch.push(pending);
      } else {
        this.waiting[kept++] = pending;
      }
    }
    this.waiting.length = kept;
    for (const { key } of batch) if (key !== undefined) this.busy.set(key, (this.busy.get(key) ?? 0) + 1);
    return batch;
  }

  private release(key: string): void {
    const left = (this.busy.get(key) ?? 1) - 1;
    if (left > 0) this.busy.set(key, left);
    else this.busy.delete(key);
  }

  private runBatch(batch: Array<Pending<I, O>>): Promise<void> {
    return this.runPart(batch, new Map());
  }

  /**
   * Runs `part` of a batch as one batch and settles its items; after a
   * failure, runs them again as the class comment says. `failedKeys`: the
   * keys of the batch's items that failed so far, with their errors.
   */
  private async runPart(part: Array<Pending<I, O>>, failedKeys: Map<string, unknown>): Promise<void> {
    const batch = part.filter((pending) => !refused(pending, failedKeys));
    if (!batch.length) return;
    let results: Array<Settled<O>>;
    try {
      results = await this.run(batch.map((p) => p.item));
      if (results.length !== batch.length) {
        throw new Error(`BatchQueue: a batch of ${batch.length} items was answered with ${results.length} results.`);
      }
    } catch (error) {
      if (error instanceof BatchItemFailed && Number.isInteger(error.index) && error.index >= 0 && error.index < batch.length) {
        await this.runPart(batch.slice(0, error.index), failedKeys);
        if (!refused(batch[error.index], failedKeys)) await this.failAlone(batch[error.index], error.error, failedKeys);
        return this.runPart(batch.slice(error.index + 1), failedKeys);
      }
      if (batch.length === 1) return this.failAlone(batch[0], error, failedKeys);
      for (const pending of batch) await this.runPart([pending], failedKeys);
      return;
    }
    for (const [i, pending] of batch.entries()) {
      const result = results[i];
      if (result.ok) pending.resolve(result.value);
      else await this.failAlone(pending, result.error, failedKeys);
    }
  }

  /** Settles an item that failed on its own, through `failedAlone`. */
  private async failAlone(pending: Pending<I, O>, error: unknown, failedKeys: Map<string, unknown>): Promise<void> {
    let result: Settled<O> = { ok: false, error };
    if (this.options.failedAlone) {
      try {
        result = { ok: true, value: await this.options.failedAlone(pending.item, error) };
      } catch (failure) {
        result = { ok: false, error: failure };
      }
    }
    if (!result.ok && pending.key !== undefined) failedKeys.set(pending.key, result.error);
    settle(pending, result);
  }
}

/** Rejects `pending` when an earlier item of its key failed; says whether it did. */
function refused<O>(pending: Pending<unknown, O>, failedKeys: Map<string, unknown>): boolean {
  if (pending.key === undefined || !failedKeys.has(pending.key)) return false;
  pending.reject(failedKeys.get(pending.key));
  return true;
}

function settle<O>(pending: Pending<unknown, O>, result: Settled<O>): void {
  if (result.ok) pending.resolve(result.value);
  else pending.reject(result.error);
}
