/** In-flight sagas of one name and status waiting in the same states. */
export interface InFlightGroupView {
  name: string;
  status: string;
  /** The active leaf states, each a dot-joined path; a parallel state gives one per region, sorted. */
  states: string[];
  count: number;
}

/**
 * One sample of the overview's series. Rates are this host's steps since
 * the sample before, per second; the other fields are the whole database's
 * gauges when the sample was taken (null if the database could not be read).
 */
export interface OverviewSample {
  at: string;
  /** Committed steps of this host (starts, replies, timers, operator actions; duplicates and ignored ones too). */
  stepsPerSecond: number;
  /** Sagas this host started. */
  startedPerSecond: number;
  /** Sagas whose end this host stepped (completed, compensated, failed, aborted). */
  endedPerSecond: number;
  inFlight: number | null;
  deadLettersOpen: number | null;
  outboxBacklog: number | null;
  outboxOldestAgeMs: number | null;
  timersOverdue: number | null;
}

/** GET /overview: what a console needs to draw small health charts. */
export interface OverviewView {
  at: string;
  sampleIntervalMs: number;
  /** Read now (the gauges' reading is at most a second old), for the whole database. */
  current: {
    inFlight: { running: number; compensating: number; stuck: number };
    /** Biggest group first, at most 50 groups. */
    inFlightByState: InFlightGroupView[];
    deadLettersOpen: number;
    outbox: { backlog: number; oldestAgeMs: number };
    timers: { due: number; overdue: number };
  };
  /** Oldest first, at most 180 samples (15 minutes at the default interval). */
  series: OverviewSample[];
}
