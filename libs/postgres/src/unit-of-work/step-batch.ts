import type { Span } from '@opentelemetry/api';
import type { EntityManager } from 'typeorm';
import {
  IdempotencyKeyReusedError,
  decideMessage,
  decideTimer,
  logContextOf,
  withLogContext,
  type BatonLogger,
  type DeciderTools,
  type MessageEnvelope,
  type SagaRecord,
  type Settled,
  type StartDecision,
  type StepDecision,
  type StepMoment,
} from '@baton/core';
import { activeSpanAttributes, currentTraceCarrier, withSpan } from '@baton/tracing';
import type { OutboxRepository, OutboxWritten } from '../repositories/outbox.repository';
import type { DueTimer, SagaTimerRepository } from '../repositories/saga-timer.repository';
import type { SagaRepository } from '../repositories/saga.repository';
import type { StepObservations } from './step-observations';
import { StepWrites } from './step-writes';

/** A start, already decided (it has no row to lock), waiting for its transaction. */
export interface StartInput {
  kind: 'start';
  decision: StartDecision;
  idempotencyKey: string | null;
  inputHash: string | null;
  span?: Span;
}

/** A message for a saga (a reply, a replayed dead letter), waiting for its transaction. */
export interface MessageInput {
  kind: 'message';
  envelope: MessageEnvelope;
  actor: string;
  span?: Span;
}

/** A due timer, waiting for its transaction. */
export interface TimerInput {
  kind: 'timer';
  timer: DueTimer;
  span?: Span;
}

/** One input of a step batch. */
export type StepInput = StartInput | MessageInput | TimerInput;

/** What a step answers its caller: a start's saga id, what became of a message, whether a timer fired or was already gone. */
export type StepAnswer = { sagaId: string; created: boolean } | 'applied' | 'duplicate' | 'ignored' | 'fired' | 'gone';

/** What a step batch works with. */
export interface StepBatchParts {
  readonly tools: DeciderTools;
  readonly sagas: SagaRepository;
  readonly timers: SagaTimerRepository;
  readonly outbox: OutboxRepository;
  readonly steps: StepObservations;
  readonly logger: BatonLogger;
  /** Lease the commands written to the writer's relay for this long (see OutboxRepository.addInsert). */
  readonly leaseMs?: number;
}

/**
 * One step transaction for a batch of inputs (docs/architecture.md, "The
 * step"): the starts' rows are inserted, the other inputs' sagas locked in
 * id order (with which message ids the inbox has seen, and which timers are
 * still due), each input decided on its saga as the batch's earlier inputs
 * left it, and every decision written in one statement. Each input gets its
 * own answer; one that cannot apply (it throws while being decided) is left
 * out, having written nothing, and the others go on.
 */
export async function runStepBatch(
  parts: StepBatchParts,
  tx: EntityManager,
  inputs: readonly StepInput[],
): Promise<{ answers: Array<Settled<StepAnswer>>; written: OutboxWritten }> {
  const writes = new StepWrites(parts.outbox);
  const answers: Array<Settled<StepAnswer>> = new Array(inputs.length);
  // Where the transaction's time goes (StepObserved.phases): a few clock reads per batch.
  const phases = { batchSize: inputs.length, startMs: 0, lockMs: 0, decideMs: 0, writeMs: 0 };
  let lap = performance.now();
  const split = () => {
    const now = performance.now();
    const elapsed = now - lap;
    lap = now;
    return elapsed;
  };
  const starts = inputs.flatMap((input, i) => (input.kind === 'start' ? [{ input, i }] : []));
  if (starts.length) await insertStarts(parts, tx, starts, writes, answers);
  phases.startMs = split();

  const others = inputs.flatMap((input, i) => (input.kind === 'start' ? [] : [{ input, i }]));
  if (others.length) {
    const sagaIds = others.map(({ input }) => (input.kind === 'message' ? input.envelope.sagaId : input.timer.sagaId));
    const messageIds = others.flatMap(({ input }) => (input.kind === 'message' ? [input.envelope.messageId] : []));
    const timerIds = others.flatMap(({ input }) => (input.kind === 'timer' ? [input.timer.id] : []));
    const { sagas, seen } = await parts.sagas.lockWithInbox(tx, [...new Set(sagaIds)], messageIds);
    // Read once the sagas are locked: a timer another step fired, cancelled or moved meanwhile is no longer due.
    const due = timerIds.length ? await parts.timers.stillDue(tx, timerIds) : new Set<string>();
    phases.lockMs = split();
    const current = new Map<string, SagaRecord>(sagas);
    for (const { input, i } of others) {
      const inContext = <T>(fn: () => T) => withLogContext(logContextOf(contextOf(input, current)), () => withSpan(input.span, fn));
      try {
        answers[i] = { ok: true, value: inContext(() => decideAndAdd(parts, tx, writes, input, current, seen, due)) };
      } catch (error) {
        answers[i] = { ok: false, error };
      }
    }
    phases.decideMs = split();
  }
  const written = await writes.flush(tx, parts.leaseMs);
  phases.writeMs = split();
  parts.steps.recordPhases(tx, phases);
  parts.steps.recordHistory(tx, written.historyIds);
  return { answers, written };
}

/** Decides one message or timer on its saga as the batch left it, and adds the decision to the writes. */
function decideAndAdd(
  parts: StepBatchParts,
  tx: EntityManager,
  writes: StepWrites,
  input: MessageInput | TimerInput,
  current: Map<string, SagaRecord>,
  seen: Set<string>,
  due: Set<string>,
): StepAnswer {
  const moment = stepMoment();
  let decision: StepDecision;
  if (input.kind === 'message') {
    const { envelope } = input;
    decision = decideMessage(parts.tools, { saga: current.get(envelope.sagaId), envelope, actor: input.actor, seen: seen.has(envelope.messageId), ...moment });
    seen.add(envelope.messageId);
  } else {
    const saga = current.get(input.timer.sagaId);
    if (!saga || !due.has(input.timer.id)) return 'gone';
    decision = decideTimer(parts.tools, { saga, timerId: input.timer.id, key: input.timer.timerKey, ...moment });
  }
  add(parts, tx, writes, decision);
  if (decision.saga) current.set(decision.saga.id, decision.saga);
  return input.kind === 'timer' ? 'fired' : decision.result;
}

/** Now, and the active trace context (the input's span): what a decision stamps on the commands it sends. */
export function stepMoment(): StepMoment {
  return { now: new Date(), trace: currentTraceCarrier() };
}

/** Adds a decision to the transaction's writes and notes it for the observers, the log and the trace. */
export function add(parts: StepBatchParts, tx: EntityManager, writes: StepWrites, decision: StepDecision): void {
  writes.add(decision);
  if (decision.observation) parts.steps.record(tx, decision.observation);
  const { history } = decision;
  if (decision.result !== 'applied' || !history) return;
  const step = { kind: history.kind, event: history.eventType, from: history.fromState ?? null, to: history.toState, status: history.status };
  parts.logger.debug?.('Step applied', step);
  activeSpanAttributes({
    'saga.name': decision.saga!.name,
    'saga.state.before': JSON.stringify(history.fromState ?? null),
    'saga.state.after': JSON.stringify(history.toState),
    'saga.status': history.status,
  });
}

/** Inserts the starts' rows; a start whose idempotency key was used before answers the saga that key started. */
async function insertStarts(
  parts: StepBatchParts,
  tx: EntityManager,
  starts: Array<{ input: StartInput; i: number }>,
  writes: StepWrites,
  answers: Array<Settled<StepAnswer>>,
): Promise<void> {
  const created = await parts.sagas.insertMany(
    tx,
    starts.map(({ input: { decision, idempotencyKey, inputHash } }) => ({ ...decision.saga, status: decision.saga.status!, idempotencyKey, inputHash, input: decision.input, ended: decision.row!.ended })),
  );
  const reused = starts.filter(({ input }) => !created.has(input.decision.saga.id));
  const existing = reused.length
    ? await parts.sagas.findByIdempotencyKeys(tx, reused.map(({ input }) => ({ name: input.decision.saga.name, key: input.idempotencyKey! })))
    : [];
  for (const { input, i } of starts) {
    const { saga } = input.decision;
    if (!created.has(saga.id)) {
      const first = existing.find((row) => row.name === saga.name && row.idempotencyKey === input.idempotencyKey);
      if (!first) throw new Error(`Saga "${saga.name}": the start with Idempotency-Key "${input.idempotencyKey}" was neither inserted nor found.`);
      answers[i] =
        first.inputHash === input.inputHash
          ? { ok: true, value: { sagaId: first.id, created: false } }
          : { ok: false, error: new IdempotencyKeyReusedError(saga.name, input.idempotencyKey!, first.id) };
      continue;
    }
    withLogContext({ sagaId: saga.id, sagaName: saga.name, correlationId: saga.correlationId }, () =>
      withSpan(input.span, () => add(parts, tx, writes, input.decision)),
    );
    answers[i] = { ok: true, value: { sagaId: saga.id, created: true } };
  }
}

/** The log context of an input: a message's own fields, or its saga's. */
function contextOf(input: MessageInput | TimerInput, sagas: Map<string, SagaRecord>): Partial<MessageEnvelope> {
  if (input.kind === 'message') return input.envelope;
  const saga = sagas.get(input.timer.sagaId);
  return saga ? { sagaId: saga.id, sagaName: saga.name, correlationId: saga.correlationId } : { sagaId: input.timer.sagaId };
}
