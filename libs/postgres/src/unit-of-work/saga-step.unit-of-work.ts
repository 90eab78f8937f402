import { createHash } from 'node:crypto';
import type { Span } from '@opentelemetry/api';
import type { DataSource, EntityManager } from 'typeorm';
import {
  BatchQueue,
  IdempotencyKeyReusedError,
  InvalidMessageError,
  consoleLogger,
  isPermanentFailure,
  type BatonLogger,
  SagaEngine,
  SagaNotFoundError,
  SagaVersionUnavailableError,
  RetryCompensation,
  SignalRejectedError,
  TERMINAL_STATUSES,
  UnknownSagaNameError,
  UnknownSignalError,
  uuidv7,
  validateWith,
  logContextOf,
  withLogContext,
  type MessageEnvelope,
  type SagaDefinition,
  type SagaRuntime,
  type SagaRegistry,
  type SagaStatus,
  type Settled,
  type StepOutcome,
  type TopicNames,
  errorMessage,
} from '@baton/core';
import { OutboxRepository, type OutboxWritten } from '../repositories/outbox.repository';
import type { NewHistoryEntry } from '../repositories/saga-history.repository';
import { SagaTimerRepository, type DueTimer } from '../repositories/saga-timer.repository';
import { SagaRepository, type LockedSaga } from '../repositories/saga.repository';
import { inTransaction, isUniqueViolation, sql } from '../sql';
import { StepObservations, type ObservedSaga, type StepListener } from './step-observations';
import { StepWrites } from './step-writes';
import { afterCommit, type OutboxHandoff } from '../workers/outbox-relay';
import {
  SpanKind,
  currentTraceCarrier,
  activeSpanAttributes,
  endSpan,
  inBatchSpan,
  inSpan,
  startSpan,
  withSpan,
  type TraceCarrier,
} from '@baton/tracing';

/** A request to start a saga (SagaStepUnitOfWork.start). */
export interface StartSagaRequest {
  name: string;
  input: unknown;
  /** The same key for the same saga name returns the instance it first started. */
  idempotencyKey?: string;
  /** Ties the saga's messages and logs together. @default the new saga's id */
  correlationId?: string;
  /** Who started it, for the history. @default 'api' */
  actor?: string;
}

/** What a start did: the saga's id, and whether this request created it. */
export interface StartSagaResult {
  sagaId: string;
  /** False when the idempotency key had already started this instance. */
  created: boolean;
}

/** What became of a delivered message. */
export type DeliveryResult = 'applied' | 'duplicate' | 'ignored';

/** How inputs share step transactions. */
export interface StepBatchingOptions {
  /** Most inputs (starts and messages) applied in one transaction. 1 = a transaction per input. @default 64 */
  maxBatchSize?: number;
  /** Step transactions running at once, each on its own connection. @default 2 */
  concurrency?: number;
}

interface Cause {
  kind: NewHistoryEntry['kind'];
  eventType: string;
  messageId: string | null;
  actor: string;
}

/** A start, validated and run through the engine, waiting for its transaction. */
interface StartInput {
  kind: 'start';
  sagaId: string;
  definition: SagaDefinition;
  outcome: StepOutcome;
  correlationId: string;
  idempotencyKey: string | null;
  inputHash: string | null;
  actor: string;
  span?: Span;
}

/** A message for a saga, waiting for its transaction. */
interface MessageInput {
  kind: 'message';
  envelope: MessageEnvelope;
  actor: string;
  span?: Span;
}

type StepInput = StartInput | MessageInput;
type StepAnswer = StartSagaResult | DeliveryResult;

/** The saga a step works on: a locked row, or the one a start creates (version 0 until written). */
type StepSaga = Pick<LockedSaga, 'id' | 'name' | 'correlationId' | 'version' | 'stateValue'> &
  ObservedSaga &
  Partial<Pick<LockedSaga, 'snapshot' | 'runtime'>>;

/**
 * The step (docs/architecture.md): every input to a saga (start, reply, fired timer,
 * operator's action) is recorded in the inbox, applied to the locked saga by
 * the pure engine, and written with its history row, outbox rows and timer
 * changes in one transaction. Nothing leaves the process before it commits;
 * the relay publishes afterwards.
 *
 * Starts and messages that arrive while step transactions are busy share
 * the next one (group commit, see BatchQueue): each input keeps its own
 * inbox record, its own history row and its own answer, the sagas are
 * locked in id order, one saga's inputs are applied in the order they
 * arrived, and all their writes go out in one statement (StepWrites). An
 * input that fails its validation is left out of the batch; a batch whose
 * transaction fails is tried again one input per transaction.
 */
export class SagaStepUnitOfWork {
  private readonly sagas: SagaRepository;
  private readonly timers: SagaTimerRepository;
  private readonly outbox: OutboxRepository;
  private readonly steps = new StepObservations();
  private readonly queue: BatchQueue<StepInput, StepAnswer>;
  private readonly maxBatchSize: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly registry: SagaRegistry,
    private readonly topics: TopicNames,
    private readonly engine: SagaEngine = new SagaEngine(),
    /** The host's relay: commands written are handed to it once their transaction committed. Without it, relays claim them. */
    private readonly relay?: OutboxHandoff,
    private readonly logger: BatonLogger = consoleLogger,
    batching: StepBatchingOptions = {},
  ) {
    this.sagas = new SagaRepository(dataSource);
    this.timers = new SagaTimerRepository(dataSource);
    this.outbox = new OutboxRepository(dataSource, 'baton_outbox');
    this.maxBatchSize = batching.maxBatchSize ?? 64;
    this.queue = new BatchQueue((inputs) => this.applyBatch(inputs), {
      maxBatchSize: this.maxBatchSize,
      concurrency: batching.concurrency ?? 2,
      keyOf: (input) => (input.kind === 'start' ? input.sagaId : input.envelope.sagaId),
    });
  }

  /**
   * Calls `listener` after each step that committed: a start, a message
   * (applied, duplicate or ignored), a fired timer, an operator's action;
   * never for one that rolled back. For metrics: a listener must be quick.
   * Returns a function that removes it.
   */
  observe(listener: StepListener): () => void {
    return this.steps.listen(this.dataSource, listener);
  }

  /** Starts a saga on the newest version of its definition. Throws before touching the database on bad input. */
  start(request: StartSagaRequest): Promise<StartSagaResult> {
    return inSpan(`saga.start ${request.name}`, { kind: SpanKind.INTERNAL, attributes: { 'saga.name': request.name } }, async (span) => {
      const definition = this.registry.latest(request.name);
      if (!definition) throw new UnknownSagaNameError(request.name, this.registry.names());
      const parsed = validateWith(definition.input, request.input);
      if (!parsed.ok) throw new InvalidMessageError('input', parsed.issues, `Saga "${definition.name}" v${definition.version}`);
      const sagaId = uuidv7();
      const key = request.idempotencyKey ?? null;
      const input: StartInput = {
        kind: 'start',
        sagaId,
        definition,
        outcome: this.engine.start(definition, sagaId, parsed.value),
        correlationId: request.correlationId ?? sagaId,
        idempotencyKey: key,
        inputHash: key ? createHash('sha256').update(JSON.stringify(parsed.value)).digest('hex') : null,
        actor: request.actor ?? 'api',
        span,
      };
      const result = (await this.queue.push(input)) as StartSagaResult;
      span.setAttribute('saga.id', result.sagaId);
      return result;
    });
  }

  /**
   * Applies a reply or event addressed to a saga. A message id seen before
   * changes nothing ('duplicate'); a message the saga's current state does
   * not accept, or that arrives after the saga ended, is recorded in the
   * history and changes nothing else ('ignored'). Invalid messages throw
   * (InvalidMessageError, UnknownMessageTypeError, SagaNotFoundError, ...) and
   * leave no trace, not even in the inbox.
   */
  deliver(envelope: MessageEnvelope, actor: string): Promise<DeliveryResult> {
    const attributes = { 'saga.id': envelope.sagaId, 'saga.name': envelope.sagaName, 'message.type': envelope.type };
    return inSpan(`saga.step ${envelope.type}`, { kind: SpanKind.CONSUMER, parent: envelope, attributes }, async (span) => {
      const result = (await this.queue.push({ kind: 'message', envelope, actor, span })) as DeliveryResult;
      span.setAttribute('baton.delivery', result);
      return result;
    });
  }

  /** One transaction for a batch of inputs: each settles on its own, and none is acknowledged before the commit. */
  private async applyBatch(inputs: StepInput[]): Promise<Array<Settled<StepAnswer>>> {
    const { results, written } = await inBatchSpan(
      'saga.step.batch',
      inputs.map((input) => input.span),
      () =>
        inTransaction(this.dataSource.manager, async (tx) => {
          const writes = new StepWrites(this.outbox);
          const answers: Array<Settled<StepAnswer>> = new Array(inputs.length);
          const starts = inputs.flatMap((input, i) => (input.kind === 'start' ? [{ input, i }] : []));
          const messages = inputs.flatMap((input, i) => (input.kind === 'message' ? [{ input, i }] : []));
          if (starts.length) await this.insertStarts(tx, starts, writes, answers);
          if (messages.length) await this.applyMessages(tx, messages, writes, answers);
          return { results: answers, written: await writes.flush(tx, this.relay?.leaseMs) };
        }, { retryOn: (error) => isUniqueViolation(error, 'baton_inbox_pkey') }),
    );
    afterCommit(this.relay, written);
    return results;
  }

  private async insertStarts(
    tx: EntityManager,
    starts: Array<{ input: StartInput; i: number }>,
    writes: StepWrites,
    answers: Array<Settled<StepAnswer>>,
  ): Promise<void> {
    const created = await this.sagas.insertMany(
      tx,
      starts.map(({ input }) => ({
        id: input.sagaId,
        name: input.definition.name,
        definitionVersion: input.definition.version,
        status: input.outcome.status,
        stateValue: input.outcome.stateValue,
        snapshot: input.outcome.snapshot,
        runtime: input.outcome.runtime,
        correlationId: input.correlationId,
        idempotencyKey: input.idempotencyKey,
        inputHash: input.inputHash,
        ended: isTerminal(input.outcome.status),
      })),
    );
    const reused = starts.filter(({ input }) => !created.has(input.sagaId));
    const existing = reused.length
      ? await this.sagas.findByIdempotencyKeys(tx, reused.map(({ input }) => ({ name: input.definition.name, key: input.idempotencyKey! })))
      : [];
    for (const { input, i } of starts) {
      const { definition, sagaId, correlationId } = input;
      if (!created.has(sagaId)) {
        const first = existing.find((row) => row.name === definition.name && row.idempotencyKey === input.idempotencyKey);
        if (!first) throw new Error(`Saga "${definition.name}": the start with Idempotency-Key "${input.idempotencyKey}" was neither inserted nor found.`);
        answers[i] =
          first.inputHash === input.inputHash
            ? { ok: true, value: { sagaId: first.id, created: false } }
            : { ok: false, error: new IdempotencyKeyReusedError(definition.name, input.idempotencyKey!, first.id) };
        continue;
      }
      const saga: StepSaga = { id: sagaId, name: definition.name, definitionVersion: definition.version, correlationId, version: 0, stateValue: undefined };
      const cause: Cause = { kind: 'start', eventType: 'start', messageId: null, actor: input.actor };
      withLogContext({ sagaId, sagaName: definition.name, correlationId }, () =>
        withSpan(input.span, () => this.write(tx, writes, saga, input.outcome, cause, sagaId)),
      );
      answers[i] = { ok: true, value: { sagaId, created: true } };
    }
  }

  private async applyMessages(
    tx: EntityManager,
    messages: Array<{ input: MessageInput; i: number }>,
    writes: StepWrites,
    answers: Array<Settled<StepAnswer>>,
  ): Promise<void> {
    const { sagas: locked, seen } = await this.sagas.lockWithInbox(
      tx,
      [...new Set(messages.map(({ input }) => input.envelope.sagaId))],
      messages.map(({ input }) => input.envelope.messageId),
    );
    for (const { input, i } of messages) {
      const inContext = <T>(fn: () => T) => withLogContext(logContextOf(input.envelope), () => withSpan(input.span, fn));
      let apply: () => DeliveryResult;
      try {
        apply = inContext(() => this.decideMessage(tx, writes, input, locked.get(input.envelope.sagaId), seen));
      } catch (error) {
        // Left out of the batch: it wrote nothing, so the others go on.
        answers[i] = { ok: false, error };
        continue;
      }
      answers[i] = { ok: true, value: inContext(apply) };
    }
  }

  /**
   * Decides what one message does to its saga (as the batch's earlier
   * inputs left it) and returns the function that adds it to the writes.
   * Throws, having written nothing, for a message that cannot apply.
   */
  private decideMessage(
    tx: EntityManager,
    writes: StepWrites,
    input: MessageInput,
    saga: LockedSaga | undefined,
    seen: Set<string>,
  ): () => DeliveryResult {
    const { envelope } = input;
    if (seen.has(envelope.messageId)) return () => this.steps.duplicate(tx, envelope);
    if (!saga) throw new SagaNotFoundError(envelope.sagaId);
    const definition = this.definitionOf(saga);
    const cause: Cause = { kind: 'message', eventType: envelope.type, messageId: envelope.messageId, actor: input.actor };
    const recorded = (result: DeliveryResult, write: () => void) => () => {
      write();
      writes.recordInbox(envelope.messageId, envelope.sagaId, envelope.type);
      seen.add(envelope.messageId);
      return result;
    };
    // An ended saga still hears late replies: the engine records what they mean (a late success, say).
    const outcome = this.engine.receive(definition, saga.id, persisted(saga), envelope);
    if (!outcome.accepted) {
      const note = isTerminal(saga.status)
        ? `the saga already ended ${saga.status}`
        : `state ${JSON.stringify(saga.stateValue)} does not accept ${envelope.type}`;
      return recorded('ignored', () => this.recordIgnored(tx, writes, saga, cause, note));
    }
    return recorded('applied', () => this.write(tx, writes, saga, outcome, cause, envelope.messageId));
  }

  /**
   * Fires up to `limit` due timers and returns how many fired: each batch of
   * them in one transaction, on sagas locked without waiting. A timer whose
   * saga is busy with another step is left for the next round; one that
   * cannot fire is dead-lettered (permanently) or left to try again.
   */
  async fireDueTimers(limit: number): Promise<number> {
    let fired = 0;
    // Timers passed over in this round: their saga is busy, or firing them failed.
    const skip: string[] = [];
    let batchSize = this.maxBatchSize;
    while (fired < limit) {
      let claimed: DueTimer[] = [];
      let round: { fired: number; passedOver: DueTimer[]; failed: Array<{ timer: DueTimer; error: unknown }> };
      try {
        round = await this.fireTimerBatch(Math.min(batchSize, limit - fired), skip, (timers) => (claimed = timers));
      } catch (error) {
        if (!claimed.length) throw error;
        if (claimed.length > 1) {
          // Find the timer that fails its batch: fire the rest of this round one per transaction.
          batchSize = 1;
          continue;
        }
        round = { fired: 0, passedOver: [], failed: [{ timer: claimed[0], error }] };
      }
      if (!claimed.length) break;
      fired += round.fired;
      skip.push(...round.passedOver.map((timer) => timer.id), ...round.failed.map(({ timer }) => timer.id));
      for (const { timer, error } of round.failed) await withLogContext({ sagaId: timer.sagaId }, () => this.timerFailed(timer, error));
    }
    return fired;
  }

  private async fireTimerBatch(
    limit: number,
    skip: readonly string[],
    onClaimed: (timers: DueTimer[]) => void,
  ): Promise<{ fired: number; passedOver: DueTimer[]; failed: Array<{ timer: DueTimer; error: unknown }> }> {
    // By timer id: a transaction retried after a conflict keeps each timer's span.
    const spans = new Map<string, Span>();
    let failure: unknown;
    let failed: Array<{ timer: DueTimer; error: unknown }> = [];
    try {
      const round = await inTransaction(this.dataSource.manager, async (tx) => {
        const timers = await this.timers.claimDue(tx, limit, skip);
        onClaimed(timers);
        const result = { fired: 0, passedOver: [] as DueTimer[], failed: [] as Array<{ timer: DueTimer; error: unknown }>, written: NOTHING_WRITTEN };
        if (!timers.length) return result;
        // Saga after timer is the opposite lock order of a reply step (saga, then its timers): skip, never wait.
        const locked = await this.sagas.lock(tx, [...new Set(timers.map((timer) => timer.sagaId))], { skipLocked: true });
        const writes = new StepWrites(this.outbox);
        for (const timer of timers) {
          const saga = locked.get(timer.sagaId);
          if (!saga) {
            result.passedOver.push(timer);
            continue;
          }
          if (!spans.has(timer.id)) {
            const attributes = { 'saga.id': timer.sagaId, 'timer.key': timer.timerKey };
            spans.set(timer.id, startSpan(`saga.timer ${timer.timerKey}`, { kind: SpanKind.INTERNAL, parent: timer, attributes }));
          }
          const inContext = <T>(fn: () => T) =>
            withLogContext({ sagaId: saga.id, sagaName: saga.name, correlationId: saga.correlationId }, () => withSpan(spans.get(timer.id), fn));
          let apply: () => void;
          try {
            apply = inContext(() => this.decideTimer(tx, writes, saga, timer));
          } catch (error) {
            result.failed.push({ timer, error });
            continue;
          }
          inContext(apply);
          result.fired++;
        }
        return { ...result, written: await writes.flush(tx, this.relay?.leaseMs) };
      });
      afterCommit(this.relay, round.written);
      failed = round.failed;
      return round;
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      spans.forEach((span, id) => endSpan(span, failure ?? failed.find(({ timer }) => timer.id === id)?.error));
    }
  }

  /** Decides what a due timer does to its saga; the returned function adds it to the writes (the timer's row goes). */
  private decideTimer(tx: EntityManager, writes: StepWrites, saga: LockedSaga, timer: DueTimer): () => void {
    const outcome = isTerminal(saga.status)
      ? undefined
      : this.engine.fireTimer(this.definitionOf(saga), saga.id, persisted(saga), timer.timerKey);
    return () => {
      writes.cancelTimers(saga.id, [timer.timerKey]);
      if (!outcome?.accepted) return;
      const cause: Cause = { kind: 'timer', eventType: timer.timerKey, messageId: null, actor: 'timer' };
      this.write(tx, writes, saga, outcome, cause, `timer:${timer.id}`);
    };
  }

  /**
   * A timer whose step fails for good (the definition cannot handle it) is
   * taken out and dead-lettered with the reason; one that failed for another
   * reason stays, to be tried again next round.
   */
  private async timerFailed(timer: DueTimer, error: unknown): Promise<void> {
    const reason = errorMessage(error);
    if (!isPermanentFailure(error)) {
      this.logger.warn(`Timer ${timer.timerKey} of saga ${timer.sagaId} failed, will retry: ${reason}`);
      return;
    }
    this.logger.error(`Timer ${timer.timerKey} of saga ${timer.sagaId} cannot fire; dead-lettered: ${reason}`);
    await inTransaction(this.dataSource.manager, async (tx) => {
      await this.timers.delete(tx, timer.id);
      await sql(
        tx,
        `INSERT INTO baton_dead_letter (consumer, topic, message_type, saga_id, envelope, reason)
         VALUES ('timer', NULL, $1, $2, $3, $4)`,
        [timer.timerKey, timer.sagaId, JSON.stringify({ timer }), reason],
      );
    });
  }

  /**
   * Sends an operator's signal (an event contract marked `signal`, such as
   * AbortRequested) to a saga, validated against its contract. Throws
   * UnknownSignalError for a type that is not a signal of the saga, and
   * SignalRejectedError, naming what it accepts now, when its current state
   * does not accept it; nothing changes then.
   */
  async signal(sagaId: string, type: string, payload: unknown, actor: string): Promise<void> {
    await this.operate(sagaId, (saga, definition) => {
      const signals = [...definition.events.values()].filter((e) => e.signal).map((e) => e.type);
      if (!signals.includes(type)) throw new UnknownSignalError(saga.name, type, signals);
      const envelope = { type, version: definition.events.get(type)!.version, payload };
      const outcome = isTerminal(saga.status) ? undefined : this.engine.receive(definition, saga.id, persisted(saga), envelope);
      if (!outcome?.accepted) {
        const acceptedNow = isTerminal(saga.status) ? [] : this.engine.acceptedEvents(definition, sagaId, persisted(saga), signals);
        throw new SignalRejectedError(sagaId, type, saga.stateValue, acceptedNow);
      }
      return { outcome, cause: { kind: 'signal', eventType: type, messageId: uuidv7(), actor } };
    });
  }

  /**
   * An operator's "retry": a saga stuck on a failed compensation sends it
   * again (RetryCompensation); otherwise every command in flight is resent at
   * once (same message ids, so participants that got them dedupe). Decided on
   * the locked saga. Throws SignalRejectedError when there is nothing to retry.
   */
  async retryNow(sagaId: string, actor: string): Promise<void> {
    await this.operate(sagaId, (saga, definition) => {
      if (saga.status === 'stuck') {
        const envelope = { type: RetryCompensation.type, version: RetryCompensation.version, payload: { by: actor } };
        const outcome = this.engine.receive(definition, saga.id, persisted(saga), envelope);
        if (!outcome.accepted) throw new SignalRejectedError(sagaId, RetryCompensation.type, saga.stateValue, []);
        return { outcome, cause: { kind: 'signal', eventType: RetryCompensation.type, messageId: uuidv7(), actor } };
      }
      const outcome = isTerminal(saga.status) ? undefined : this.engine.retryNow(definition, saga.id, persisted(saga));
      if (!outcome?.accepted) throw new SignalRejectedError(sagaId, 'retry', saga.stateValue, []);
      return { outcome, cause: { kind: 'signal', eventType: 'retry', messageId: uuidv7(), actor } };
    });
  }

  /** An operator's action on a saga: one step, in a transaction of its own, on the locked saga. */
  private operate(
    sagaId: string,
    decide: (saga: LockedSaga, definition: SagaDefinition) => { outcome: StepOutcome; cause: Cause },
  ): Promise<void> {
    return inSpan('saga.signal', { kind: SpanKind.INTERNAL, attributes: { 'saga.id': sagaId } }, async () => {
      const written = await withLogContext({ sagaId }, () =>
        inTransaction(this.dataSource.manager, async (tx) => {
          const saga = (await this.sagas.lock(tx, [sagaId])).get(sagaId);
          if (!saga) throw new SagaNotFoundError(sagaId);
          const { outcome, cause } = decide(saga, this.definitionOf(saga));
          const writes = new StepWrites(this.outbox);
          writes.recordInbox(cause.messageId!, saga.id, cause.eventType);
          this.write(tx, writes, saga, outcome, cause, cause.messageId!);
          return writes.flush(tx, this.relay?.leaseMs);
        }),
      );
      afterCommit(this.relay, written);
    });
  }

  private definitionOf(saga: LockedSaga): SagaDefinition {
    const definition = this.registry.get(saga.name, saga.definitionVersion);
    if (!definition) {
      throw new SagaVersionUnavailableError(saga.name, saga.definitionVersion, saga.id, this.registry.versions(saga.name));
    }
    return definition;
  }

  /**
   * Adds one applied step to the transaction's writes and moves `saga` (the
   * batch's copy of the row) to its new state, so a later input of the same
   * saga in the batch starts from it. Runs under the input's span: the
   * commands carry its trace context, whenever the relay publishes them.
   */
  private write(tx: EntityManager, writes: StepWrites, saga: StepSaga, outcome: StepOutcome, cause: Cause, causationId: string): void {
    const sentAt = new Date().toISOString();
    const trace: TraceCarrier = currentTraceCarrier();
    const commands = outcome.commands.map((command) => ({
      topic: this.topics.commands(command.participant),
      participant: command.participant,
      attempt: command.attempt,
      envelope: {
        messageId: command.messageId,
        type: command.type,
        version: command.version,
        sagaId: saga.id,
        sagaName: saga.name,
        correlationId: saga.correlationId,
        causationId,
        ...(command.compensates ? { compensates: command.compensates } : {}),
        replyTo: this.topics.replies,
        sentAt,
        ...(trace.traceparent ? trace : {}),
        payload: command.payload,
      } satisfies MessageEnvelope,
    }));
    const newVersion = saga.version + 1;
    this.steps.record(tx, saga, cause, { status: outcome.status, commands: outcome.commands.map((c) => c.type) }, 'applied');
    // A start inserted its row with this state already.
    if (saga.version > 0) {
      writes.updateSaga({
        id: saga.id,
        expectedVersion: saga.version,
        version: newVersion,
        status: outcome.status,
        stateValue: outcome.stateValue,
        snapshot: outcome.snapshot,
        runtime: outcome.runtime,
        ended: isTerminal(outcome.status),
      });
    }
    writes.appendHistory({
      sagaId: saga.id,
      sagaVersion: newVersion,
      kind: cause.kind,
      eventType: cause.eventType,
      messageId: cause.messageId,
      actor: cause.actor,
      fromState: saga.stateValue,
      toState: outcome.stateValue,
      status: outcome.status,
      commands: commands.map((c) => ({
        type: c.envelope.type,
        participant: c.participant,
        messageId: c.envelope.messageId,
        ...(c.attempt && c.attempt > 1 ? { attempt: c.attempt } : {}),
      })),
      note: [outcome.note, outcome.parkedBecause && `parked: ${outcome.parkedBecause}`].filter(Boolean).join('; ') || undefined,
    });
    for (const command of commands) writes.appendOutbox(command.topic, command.envelope);
    writes.cancelTimers(saga.id, outcome.timers.cancel);
    writes.scheduleTimers(saga.id, outcome.timers.schedule, trace);
    const step = { kind: cause.kind, event: cause.eventType, from: saga.stateValue ?? null, to: outcome.stateValue, status: outcome.status };
    withLogContext({ sagaId: saga.id, sagaName: saga.name, correlationId: saga.correlationId }, () => this.logger.debug?.('Step applied', step));
    activeSpanAttributes({
      'saga.name': saga.name,
      'saga.state.before': JSON.stringify(saga.stateValue ?? null),
      'saga.state.after': JSON.stringify(outcome.stateValue),
      'saga.status': outcome.status,
    });
    Object.assign(saga, {
      version: newVersion,
      status: outcome.status,
      stateValue: outcome.stateValue,
      snapshot: outcome.snapshot,
      runtime: outcome.runtime,
    });
  }

  private recordIgnored(tx: EntityManager, writes: StepWrites, saga: LockedSaga, cause: Cause, note: string): void {
    writes.appendHistory({
      sagaId: saga.id,
      sagaVersion: saga.version,
      kind: 'ignored',
      eventType: cause.eventType,
      messageId: cause.messageId,
      actor: cause.actor,
      fromState: saga.stateValue,
      toState: saga.stateValue,
      status: saga.status,
      commands: [],
      note,
    });
    this.steps.record(tx, saga, cause, { status: saga.status, commands: [] }, 'ignored');
  }
}

const NOTHING_WRITTEN: OutboxWritten = { leased: [], unleased: 0 };

function persisted(saga: LockedSaga): { snapshot: unknown; runtime: SagaRuntime } {
  return { snapshot: saga.snapshot, runtime: saga.runtime as SagaRuntime };
}

function isTerminal(status: SagaStatus | string): boolean {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}
