import type { SagaStatus, TimerToSchedule } from '../engine/step-outcome';
import { TERMINAL_STATUSES } from '../engine/step-outcome';
import type { MessageEnvelope } from '../transport/message-envelope';

/**
 * A saga as a step reads it: its locked row, or the row a start is about to
 * insert (version 0). Plain data: a decision returns the next one, it never
 * changes the one it was given.
 */
export interface SagaRecord {
  readonly id: string;
  readonly name: string;
  readonly definitionVersion: number;
  readonly correlationId: string;
  /** The row's version; 0 for a start not yet written. */
  readonly version: number;
  /** Undefined only before a start. */
  readonly status?: SagaStatus;
  readonly stateValue: unknown;
  /** The machine's persisted snapshot; undefined before a start. */
  readonly snapshot: unknown;
  /** The engine's bookkeeping (SagaRuntime); undefined before a start. */
  readonly runtime: unknown;
  readonly createdAt?: Date;
}

/** What a step was fed: a start request, a message (a reply, a replayed dead letter), a fired timer, an operator's signal or retry. */
export type StepKind = 'start' | 'message' | 'timer' | 'signal';

/** What a step did with its input: moved the saga, found it already applied (inbox), or recorded it as not accepted. */
export type StepResult = 'applied' | 'duplicate' | 'ignored';

/** Why a step ran, as its history row tells it. */
export interface StepCause {
  readonly kind: StepKind;
  /** The message or signal type; the timer key for a timer; 'start' for a start. */
  readonly eventType: string;
  /** The input's message id (a start and a timer have none). */
  readonly messageId: string | null;
  /** Who sent it: 'participant', 'api', an operator's name, 'timer'. */
  readonly actor: string;
}

/** One row of a saga's timeline (`GET /sagas/{id}/history`). */
export interface StepHistoryEntry {
  readonly sagaId: string;
  readonly sagaVersion: number;
  /** The cause's kind, or 'ignored' for an input the saga did not take. */
  readonly kind: StepKind | 'ignored';
  readonly eventType: string;
  readonly messageId: string | null;
  readonly actor: string;
  readonly fromState: unknown;
  readonly toState: unknown;
  readonly status: string;
  readonly commands: ReadonlyArray<{ readonly type: string; readonly participant: string; readonly messageId: string; readonly attempt?: number }>;
  readonly note?: string;
}

/** A command to put in the outbox: its topic and its envelope, as the relay will publish it. */
export interface CommandToSend {
  readonly topic: string;
  readonly participant: string;
  readonly attempt?: number;
  readonly envelope: MessageEnvelope;
}

/** What listeners hear of a step once its transaction committed (see the step's `observe`). */
export interface StepObservation {
  readonly sagaId: string;
  readonly sagaName: string;
  /** Undefined for a duplicate: the saga row was not read. */
  readonly definitionVersion?: number;
  readonly kind: StepKind;
  readonly eventType: string;
  /** Status after the step (unchanged unless applied); undefined for a duplicate. */
  readonly status?: SagaStatus;
  /** Status before the step; undefined for a start and for a duplicate. */
  readonly previousStatus?: SagaStatus;
  /** Types of the commands the step sent, one entry per command. */
  readonly commands: readonly string[];
  readonly outcome: StepResult;
  /** When the saga was created (now, for a start); undefined for a duplicate. */
  readonly createdAt?: Date;
}

/** The trace context of the input a step applies: its commands and timers carry it. */
export interface StepTrace {
  readonly traceparent?: string;
  readonly tracestate?: string;
}

/**
 * Everything one step does, as data: the writer turns the decisions of a
 * batch into one statement, in order. Nothing in it is a function and
 * nothing refers back to its inputs, so it can be logged, compared in a
 * test, or written by any store.
 */
export interface StepDecision {
  readonly result: StepResult;
  /** The saga after the step (the input's own when it changed nothing); absent for a duplicate. */
  readonly saga?: SagaRecord;
  /** The row to write: inserted for a start, updated (checked against `expectedVersion`) for an applied step. */
  readonly row?: { readonly write: 'insert' | 'update'; readonly expectedVersion: number; readonly ended: boolean };
  readonly history?: StepHistoryEntry;
  /** The input's message id, recorded so a redelivery is found a duplicate. */
  readonly inbox?: { readonly messageId: string; readonly sagaId: string; readonly messageType: string };
  readonly commands: readonly CommandToSend[];
  /** Timer keys of the saga to take out, and timers to arm (or move, when armed). */
  readonly timers: { readonly cancel: readonly string[]; readonly schedule: readonly TimerToSchedule[]; readonly trace: StepTrace };
  /** What listeners hear once it committed; absent for a timer that changed nothing. */
  readonly observation?: StepObservation;
}

/** Whether a saga in `status` has ended: nothing more happens to it but late replies being recorded. */
export function isTerminalStatus(status: SagaStatus | string | undefined): boolean {
  return status !== undefined && (TERMINAL_STATUSES as readonly string[]).includes(status);
}
