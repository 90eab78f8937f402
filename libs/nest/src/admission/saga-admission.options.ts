/** Back-pressure on saga starts (POST /sagas/{name}): a start beyond a bound is answered 429 and creates nothing. */
export interface SagaAdmissionOptions {
  /**
   * Starts this host accepts per second (a token bucket that also lets a burst of this many through).
   * @default 1000
   */
  maxStartsPerSecond?: number;
  /**
   * Sagas that have not ended, across every host on the database, beyond which starts are refused.
   * @default 10000
   */
  maxInFlight?: number;
  /**
   * How old the in-flight count may get before it is read again; starts of this host in between are added locally.
   * @default 500
   */
  inFlightRefreshMs?: number;
}
