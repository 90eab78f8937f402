/** A slot taken by a start that is under way: confirmed when it created a saga, released when it did not. */
export interface InFlightReservation {
  confirm(): void;
  release(): void;
}

/**
 * An estimate of the sagas in flight that does not count rows on every
 * start: the count read from the database at most every `maxAgeMs`, plus the
 * starts of this host since (confirmed or under way). Sagas that ended since
 * the last count are still counted, starts of other hosts not yet: both show
 * at the next count.
 */
export class InFlightGauge {
  private counted = 0;
  private countedAt = Number.NEGATIVE_INFINITY;
  private startedSinceCount = 0;
  private underWay = 0;
  private counting?: Promise<void>;

  constructor(
    private readonly count: () => Promise<number>,
    private readonly maxAgeMs = 500,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Counts again if the last count is older than `maxAgeMs`; concurrent callers share one count. */
  async refreshIfStale(): Promise<void> {
    if (this.now() - this.countedAt < this.maxAgeMs) return;
    this.counting ??= this.recount().finally(() => (this.counting = undefined));
    await this.counting;
  }

  /** The sagas in flight as far as this host knows. */
  estimate(): number {
    return this.counted + this.startedSinceCount + this.underWay;
  }

  reserve(): InFlightReservation {
    this.underWay++;
    let settled = false;
    const settle = (started: boolean) => {
      if (settled) return;
      settled = true;
      this.underWay--;
      if (started) this.startedSinceCount++;
    };
    return { confirm: () => settle(true), release: () => settle(false) };
  }

  private async recount(): Promise<void> {
    const startedBefore = this.startedSinceCount;
    const startedAt = this.now();
    const counted = await this.count();
    // Starts that committed while the count ran may be in it and still be added: the estimate errs high, never low.
    this.counted = counted;
    this.startedSinceCount -= startedBefore;
    this.countedAt = startedAt;
  }
}
