/** Partitions of each topic, as the group assigned them to this member. */
export type Assignment = Record<string, number[]>;

/** For each assigned partition with messages the group has not committed: the offset after its last message. */
export type Backlog = Map<string, number>;

/**
 * How long after a failed backlog read (the broker busy or away) it is read
 * again: soon, since the catch-up (and the timer poller behind it) waits on
 * it, yet not in a tight loop against a broker that is struggling.
 */
export const CATCH_UP_RETRY_MS = 1_000;

/** The key of a partition in a Backlog. */
export const partitionKey = (topic: string, partition: number) => `${topic}:${partition}`;

/**
 * Whether the consumer has handled its backlog: the messages that were in
 * its assigned partitions, beyond the group's committed offsets, when it
 * joined. `joined` reads the backlog (end offsets) for an assignment;
 * `handled` records how far each partition's handled messages reach; `done`
 * resolves once every partition of the backlog reached its end offset. A
 * rebalance before that (another replica joined) reads the backlog of the
 * new assignment. Once caught up it stays so: later messages are the
 * ordinary flow.
 */
export class ConsumerCatchUp {
  readonly done: Promise<void>;
  private resolve!: () => void;
  private caughtUp = false;
  /** Per partition, the offset after the last message handled (every one before it is handled too). */
  private readonly reached = new Map<string, number>();
  private backlog?: Backlog;
  private generation = 0;
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly readBacklog: (assignment: Assignment) => Promise<Backlog>,
    private readonly onError: (error: unknown) => void,
    private readonly retryMs = CATCH_UP_RETRY_MS,
  ) {
    this.done = new Promise((resolve) => (this.resolve = resolve));
  }

  /** The group (re)assigned partitions to this member. */
  joined(assignment: Assignment): void {
    if (this.caughtUp) return;
    const generation = ++this.generation;
    this.backlog = undefined;
    clearTimeout(this.retry);
    this.readBacklog(assignment).then(
      (backlog) => {
        if (generation !== this.generation) return;
        this.backlog = backlog;
        this.check();
      },
      (error: unknown) => {
        if (generation !== this.generation || this.caughtUp) return;
        this.onError(error);
        this.retry = setTimeout(() => generation === this.generation && this.joined(assignment), this.retryMs);
        this.retry.unref();
      },
    );
  }

  /** Every message of `topic`/`partition` up to `offset` has been handled. */
  handled(topic: string, partition: number, offset: string): void {
    if (this.caughtUp) return;
    const key = partitionKey(topic, partition);
    const next = Number(offset) + 1;
    if (next > (this.reached.get(key) ?? -1)) this.reached.set(key, next);
    this.check();
  }

  /** Stops reading backlogs (the transport is closing). */
  stop(): void {
    this.generation++;
    clearTimeout(this.retry);
  }

  private check(): void {
    if (this.caughtUp || !this.backlog) return;
    for (const [key, end] of this.backlog) if ((this.reached.get(key) ?? -1) < end) return;
    this.caughtUp = true;
    this.resolve();
  }
}
