/**
 * Heartbeat calls per heartbeat interval. kafkajs sends a heartbeat only once
 * an interval has passed since the last; calling twice as often sends one
 * about every interval, where calling once an interval could just miss it and
 * send one every other interval.
 */
export const HEARTBEAT_CALLS_PER_INTERVAL = 2;

/**
 * Heartbeats in the background while a batch is being handled. kafkajs
 * heartbeats only when `heartbeat()` is called (between messages, after a
 * fetch), so a batch whose messages wait (for a database that is down, a
 * slow transaction) would go silent and the group would evict the member
 * after its session timeout, rebalancing every other member with it.
 *
 * A heartbeat that fails (a rebalance began, the broker is gone) is kept in
 * `failure`: the batch should stop taking new messages and throw it, so
 * kafkajs rejoins the group as it does after a failed heartbeat between
 * messages.
 */
export class BatchHeartbeat {
  failure: unknown;
  private readonly timer: NodeJS.Timeout;
  private sending?: Promise<void>;

  /**
   * `heartbeat` is the batch's own (kafkajs sends at most one per heartbeat
   * interval, whoever calls it); it is called twice an interval, so one is
   * sent about every interval (see HEARTBEAT_CALLS_PER_INTERVAL).
   */
  constructor(heartbeat: () => Promise<void>, intervalMs: number) {
    this.timer = setInterval(() => {
      if (this.sending || this.failure !== undefined) return;
      this.sending = heartbeat()
        .catch((error: unknown) => void (this.failure = error))
        .finally(() => (this.sending = undefined));
    }, Math.max(1, Math.floor(intervalMs / HEARTBEAT_CALLS_PER_INTERVAL)));
    // A batch in hand must not keep a process that is shutting down alive.
    this.timer.unref();
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Stops heartbeating, once the heartbeat in flight (if any) has settled. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sending;
  }
}
