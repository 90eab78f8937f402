import type { StateValue } from 'xstate';

import type { SagaRuntime } from './saga-runtime';

/**
 * Where a saga stands. Derived from its machine's state and tags; `stuck`
 * waits for an operator (a compensation failed); `failed` also covers an
 * instance the engine parked (a bound crossed).
 */
export type SagaStatus = 'running' | 'compensating' | 'stuck' | 'completed' | 'compensated' | 'aborted' | 'failed';

/** The statuses a saga ends in: nothing more happens to it. */
export const TERMINAL_STATUSES: readonly SagaStatus[] = ['completed', 'compensated', 'aborted', 'failed'];

export const SAGA_STATUSES: readonly SagaStatus[] = ['running', 'compensating', 'stuck', ...TERMINAL_STATUSES];

/** A command to publish, with its participant resolved from the contract. */
export interface OutgoingCommand {
  /** Chosen by the engine; a retry resends the same id, so the participant dedupes it. */
  readonly messageId: string;
  readonly type: string;
  readonly version: number;
  readonly participant: string;
  readonly payload: unknown;
  /** The step it belongs to, when the saga tracks its outcome. */
  readonly step?: string;
  /** 1 for the first send, more for a retry. */
  readonly attempt?: number;
  /** On a compensation: the message id of the command it undoes. */
  readonly compensates?: string;
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
  /** The engine's own state of the instance, persisted beside the snapshot. */
  readonly runtime: SagaRuntime;
  /** Why the instance was parked in this step, if it was. */
  readonly parkedBecause?: string;
  /** What the engine decided beside the machine (a step given up on, a late reply), for the history. */
  readonly note?: string;
  /** A start's input as the definition's schema read it (defaults applied, unknown fields dropped). */
  readonly input?: unknown;
}
