/** Options of the overview sampler (SagaModule's `overview`). */
export interface OverviewOptions {
  /** How often the host samples its step rates and the database's gauges for GET /overview. @default 5000 */
  sampleIntervalMs?: number;
}

/** Injection token of the sampler's OverviewOptions. */
export const OVERVIEW_OPTIONS = Symbol('OVERVIEW_OPTIONS');

export const DEFAULT_SAMPLE_INTERVAL_MS = 5000;
/** Samples kept: 15 minutes at the default interval. */
export const SAMPLES_KEPT = 180;
