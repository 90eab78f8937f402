import { InFlightGauge, type InFlightReservation } from './in-flight-gauge';
import type { SagaAdmissionOptions } from './saga-admission.options';
import { TokenBucket } from './token-bucket';

export type AdmissionDecision =
  | { admitted: true; reservation: InFlightReservation }
  | { admitted: false; bound: 'starts-per-second' | 'in-flight'; max: number; retryAfterSeconds: number };

/**
 * Decides whether a saga may start now: no more than `maxStartsPerSecond`
 * (per host) and no more than `maxInFlight` sagas not yet ended (across the
 * database). A refused start is never queued: the caller retries.
 */
export class SagaAdmission {
  readonly maxStartsPerSecond: number;
  readonly maxInFlight: number;
  private readonly bucket: TokenBucket;
  private readonly gauge: InFlightGauge;
  private readonly refreshMs: number;

  constructor(countInFlight: () => Promise<number>, options: SagaAdmissionOptions = {}) {
    this.maxStartsPerSecond = options.maxStartsPerSecond ?? 1000;
    this.maxInFlight = options.maxInFlight ?? 10_000;
    this.refreshMs = options.inFlightRefreshMs ?? 500;
    this.bucket = new TokenBucket(this.maxStartsPerSecond);
    this.gauge = new InFlightGauge(countInFlight, this.refreshMs);
  }

  /** Admits a start, reserving its in-flight slot, or says which bound refused it and when to retry. */
  async admit(): Promise<AdmissionDecision> {
    await this.gauge.refreshIfStale();
    // From here to the reservation nothing awaits, so concurrent starts cannot all slip under the bound.
    if (this.gauge.estimate() >= this.maxInFlight) {
      return { admitted: false, bound: 'in-flight', max: this.maxInFlight, retryAfterSeconds: Math.max(1, Math.ceil(this.refreshMs / 1000)) };
    }
    if (!this.bucket.tryTake()) {
      const retryAfterSeconds = Math.max(1, Math.ceil(this.bucket.msUntilNextToken() / 1000));
      return { admitted: false, bound: 'starts-per-second', max: this.maxStartsPerSecond, retryAfterSeconds };
    }
    return { admitted: true, reservation: this.gauge.reserve() };
  }
}
