import type { StateValue } from 'xstate';

/** Where a saga stands. Derived from its machine's state and tags. */
export type SagaStatus = 'running' | 'compensating' | 'completed' | 'compensated' | 'failed';

export const TERMINAL_STATUSES: readonly SagaStatus[] = ['completed', 'compensated', 'failed'];

/** A command to publish, with its participant resolved from the contract. */
export interface OutgoingCommand {
  readonly type: string;
  readonly version: number;
  readonly participant: string;
  readonly payload: unknown;
}

/** A delayed transition armed by entering a state with `after`. */
export interface TimerToSchedule {
  /** Stable per saga and state: XState's delayed event type. */
  readonly key: string;
  readonly delayMs: number;
}

/** The result of one transition, everything the host must persist in one transaction. */
export interface StepOutcome {
  /** False when the current state does not accept the event: nothing changed. */
  readonly accepted: boolean;
  /** JSON-safe persisted snapshot. */
  readonly snapshot: unknown;
  readonly stateValue: StateValue;
  readonly status: SagaStatus;
  readonly output?: unknown;
  readonly context: unknown;
  readonly commands: readonly OutgoingCommand[];
  readonly timers: { readonly schedule: readonly TimerToSchedule[]; readonly cancel: readonly string[] };
}
