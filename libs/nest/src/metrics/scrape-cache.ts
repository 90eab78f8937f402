/**
 * A value read at scrape time, read again at most every `maxAgeMs`: however
 * many scrapes arrive, the database (or broker) is asked once per interval,
 * and scrapes that arrive while it is being asked share that one answer. A
 * failed read is not kept: the next scrape asks again.
 */
export class ScrapeCache<T> {
  private loaded?: { value: T; at: number };
  private loading?: Promise<T>;

  constructor(
    private readonly load: () => Promise<T>,
    private readonly maxAgeMs = 1000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get(): Promise<T> {
    if (this.loading) return this.loading;
    if (this.loaded && this.now() - this.loaded.at < this.maxAgeMs) return Promise.resolve(this.loaded.value);
    const loading = this.load().then((value) => {
      this.loaded = { value, at: this.now() };
      return value;
    });
    this.loading = loading;
    const done = () => {
      if (this.loading === loading) this.loading = undefined;
    };
    loading.then(done, done);
    return loading;
  }
}
