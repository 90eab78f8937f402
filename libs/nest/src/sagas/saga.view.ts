import type { SagaRuntime } from '@baton/core';
import type { SagaEntity, SagaHistoryEntity, SagaTimerEntity } from '@baton/postgres';

/** A saga instance as the REST API shows it. */
export interface SagaView {
  id: string;
  name: string;
  /** Version of the definition the instance runs on. */
  definitionVersion: number;
  status: string;
  /** The machine's state value, e.g. `{ "securing": { "stock": "reserved", "payment": "authorizing" } }`. */
  state: unknown;
  /** The input the saga was started with (sagas started before migration 0008 stored it: null). */
  input?: unknown;
  context?: unknown;
  output?: unknown;
  /** The signals its state accepts now (POST /sagas/{id}/signals/{type}); none once it ended. */
  signalsAcceptedNow?: string[];
  /** The trace its messages carry (W3C trace id), to find it in a trace viewer; null when it sent no command. */
  traceId?: string | null;
  /** Row version: the number of transitions applied. */
  version: number;
  correlationId: string;
  createdAt: string;
  updatedAt: string;
  endedAt: string | null;
  /** Armed timers with their due time. */
  timers?: Array<{ key: string; dueAt: string }>;
  /** Commands the saga waits on: their step, type, message id and attempts so far. */
  inFlight?: Array<{ step: string; type: string; messageId: string; attempt: number }>;
  /**
   * Compensations armed, oldest first: for a step that took effect
   * ('completed') or one the saga gave up on without knowing ('outcome-unknown').
   */
  compensations?: Array<{ step: string; type: string; messageId: string; compensates: string; because: string }>;
  /** The compensation that failed for good, while the saga is stuck. */
  compensationFailure?: { step: string; command: string; messageId: string; reason: string; attempts: number };
}

/** One transition of a saga as the REST API shows it (GET /sagas/{id}/history, `SagaOrchestrator.historyOf`). */
export interface HistoryEntryView {
  /** The history row's id: the `historyId` (and SSE `id:`) of its event on GET /sagas/events. */
  id: string;
  at: string;
  kind: string;
  event: string;
  messageId: string | null;
  actor: string;
  from: unknown;
  to: unknown;
  status: string;
  version: number;
  commands: Array<{ type: string; participant: string; messageId: string }>;
  note?: string;
}

export function toSummaryView(saga: SagaEntity): SagaView {
  return {
    id: saga.id,
    name: saga.name,
    definitionVersion: saga.definitionVersion,
    status: saga.status,
    state: saga.stateValue,
    version: saga.version,
    correlationId: saga.correlationId,
    createdAt: saga.createdAt.toISOString(),
    updatedAt: saga.updatedAt.toISOString(),
    endedAt: saga.endedAt ? saga.endedAt.toISOString() : null,
  };
}

export function toDetailView(saga: SagaEntity, timers: SagaTimerEntity[]): SagaView {
  const snapshot = saga.snapshot as { context?: unknown; output?: unknown };
  const runtime = (saga.runtime ?? { pending: {} }) as SagaRuntime;
  return {
    ...toSummaryView(saga),
    input: saga.input ?? null,
    context: snapshot.context,
    output: snapshot.output,
    timers: timers.map((timer) => ({ key: timer.timerKey, dueAt: timer.dueAt.toISOString() })),
    inFlight: Object.values(runtime.pending).map((p) => ({ step: p.step, type: p.type, messageId: p.messageId, attempt: p.attempt })),
    compensations: (runtime.compensations ?? []).map((c) => ({
      step: c.step,
      type: c.type,
      messageId: c.messageId,
      compensates: c.compensates,
      because: c.because,
    })),
    ...(runtime.compensationFailure ? { compensationFailure: runtime.compensationFailure } : {}),
  };
}

export function toHistoryView(entry: SagaHistoryEntity): HistoryEntryView {
  return {
    id: String(entry.id),
    at: entry.at.toISOString(),
    kind: entry.kind,
    event: entry.eventType,
    messageId: entry.messageId,
    actor: entry.actor,
    from: entry.fromState,
    to: entry.toState,
    status: entry.status,
    version: entry.sagaVersion,
    commands: entry.commands,
    ...(entry.note ? { note: entry.note } : {}),
  };
}
