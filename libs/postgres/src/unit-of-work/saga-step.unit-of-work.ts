import { createHash } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import {
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
  type StepOutcome,
  type TopicNames,
} from '@baton/core';
import { InboxRepository } from '../repositories/inbox.repository';
import { OutboxRepository } from '../repositories/outbox.repository';
import { SagaHistoryRepository, type NewHistoryEntry } from '../repositories/saga-history.repository';
import { SagaTimerRepository, type DueTimer } from '../repositories/saga-timer.repository';
import { SagaRepository, type LockedSaga } from '../repositories/saga.repository';
import { inTransaction, sql } from '../sql';
import { StepObservations, type ObservedSaga, type StepListener } from './step-observations';
import { SpanKind, activeSpanAttributes, currentTraceCarrier, inSpan } from '../tracing/saga-tracing';

export interface StartSagaRequest {
  name: string;
  input: unknown;
  /** The same key for the same saga name returns the instance it first started. */
  idempotencyKey?: string;
  /** Defaults to the new saga's id. */
  correlationId?: string;
  /** Who started it, for the history. @default 'api' */
  actor?: string;
}

export interface StartSagaResult {
  sagaId: string;
  /** False when the idempotency key had already started this instance. */
  created: boolean;
}

/** What became of a delivered message. */
export type DeliveryResult = 'applied' | 'duplicate' | 'ignored';

interface Cause {
  kind: NewHistoryEntry['kind'];
  eventType: string;
  messageId: string | null;
  actor: string;
}

/**
 * The step of DESIGN.md: every input to a saga (start, reply, fired timer)
 * becomes one transaction that records the input in the inbox, locks the
 * saga, runs the pure engine, and writes the saga row, one history row, the
 * outbox rows and the timer changes. Nothing leaves the process before it
 * commits; the relay publishes afterwards.
 */
export class SagaStepUnitOfWork {
  private readonly sagas: SagaRepository;
  private readonly history: SagaHistoryRepository;
  private readonly inbox = new InboxRepository();
  private readonly outbox: OutboxRepository;
  private readonly timers: SagaTimerRepository;
  private readonly steps = new StepObservations();

  constructor(
    private readonly dataSource: DataSource,
    private readonly registry: SagaRegistry,
    private readonly topics: TopicNames,
    private readonly engine: SagaEngine = new SagaEngine(),
    /** Called after a transaction that wrote outbox rows committed (wakes the local relay). */
    private readonly onCommandsCommitted: () => void = () => undefined,
    private readonly logger: BatonLogger = consoleLogger,
  ) {
    this.sagas = new SagaRepository(dataSource);
    this.history = new SagaHistoryRepository(dataSource);
    this.outbox = new OutboxRepository(dataSource, 'baton_outbox');
    this.timers = new SagaTimerRepository(dataSource);
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
    return inSpan(`saga.start ${request.name}`, { kind: SpanKind.INTERNAL, attributes: { 'saga.name': request.name } }, (span) =>
      this.startInSpan(request).then((result) => {
        span.setAttribute('saga.id', result.sagaId);
        return result;
      }),
    );
  }

  private async startInSpan(request: StartSagaRequest): Promise<StartSagaResult> {
    const definition = this.registry.latest(request.name);
    if (!definition) throw new UnknownSagaNameError(request.name, this.registry.names());
    const parsed = validateWith(definition.input, request.input);
    if (!parsed.ok) throw new InvalidMessageError('input', parsed.issues, `Saga "${definition.name}" v${definition.version}`);

    const sagaId = uuidv7();
    const outcome = this.engine.start(definition, sagaId, parsed.value);
    const correlationId = request.correlationId ?? sagaId;
    const key = request.idempotencyKey ?? null;
    const inputHash = key ? createHash('sha256').update(JSON.stringify(parsed.value)).digest('hex') : null;

    const result = await withLogContext({ sagaId, sagaName: definition.name, correlationId }, () => inTransaction(this.dataSource.manager, async (tx) => {
      const created = await this.sagas.insert(tx, {
        id: sagaId,
        name: definition.name,
        definitionVersion: definition.version,
        status: outcome.status,
        stateValue: outcome.stateValue,
        snapshot: outcome.snapshot,
        runtime: outcome.runtime,
        correlationId,
        idempotencyKey: key,
        inputHash,
        ended: isTerminal(outcome.status),
      });
      if (!created) {
        const existing = (await this.sagas.findByIdempotencyKey(tx, definition.name, key!))!;
        if (existing.inputHash !== inputHash) throw new IdempotencyKeyReusedError(definition.name, key!, existing.id);
        return { sagaId: existing.id, created: false, sentCommands: false };
      }
      const saga = {
        id: sagaId,
        name: definition.name,
        definitionVersion: definition.version,
        correlationId,
        version: 0,
        stateValue: undefined,
      };
      const cause: Cause = { kind: 'start', eventType: 'start', messageId: null, actor: request.actor ?? 'api' };
      await this.write(tx, saga, outcome, cause, sagaId);
      return { sagaId, created: true, sentCommands: outcome.commands.length > 0 };
    }));
    if (result.sentCommands) this.onCommandsCommitted();
    return { sagaId: result.sagaId, created: result.created };
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
    return inSpan(`saga.step ${envelope.type}`, { kind: SpanKind.CONSUMER, parent: envelope, attributes }, (span) =>
      this.deliverInSpan(envelope, actor).then((result) => {
        span.setAttribute('baton.delivery', result);
        return result;
      }),
    );
  }

  private async deliverInSpan(envelope: MessageEnvelope, actor: string): Promise<DeliveryResult> {
    let wroteCommands = false;
    const result = await withLogContext(logContextOf(envelope), () => inTransaction(this.dataSource.manager, async (tx): Promise<DeliveryResult> => {
      wroteCommands = false;
      if (!(await this.inbox.recordOnce(tx, envelope.messageId, envelope.sagaId, envelope.type))) return this.steps.duplicate(tx, envelope);
      const saga = await this.sagas.lock(tx, envelope.sagaId);
      if (!saga) throw new SagaNotFoundError(envelope.sagaId);
      const definition = this.definitionOf(saga);
      const cause: Cause = { kind: 'message', eventType: envelope.type, messageId: envelope.messageId, actor };
      if (isTerminal(saga.status as SagaStatus)) {
        // Still validated: a malformed late message is a dead letter, not silently dropped.
        this.engine.toEvent(definition, saga.id, envelope);
        await this.recordIgnored(tx, saga, cause, `the saga already ended ${saga.status}`);
        return 'ignored';
      }
      const outcome = this.engine.receive(definition, saga.id, persisted(saga), envelope);
      if (!outcome.accepted) {
        await this.recordIgnored(tx, saga, cause, `state ${JSON.stringify(saga.stateValue)} does not accept ${envelope.type}`);
        return 'ignored';
      }
      await this.write(tx, saga, outcome, cause, envelope.messageId);
      wroteCommands = outcome.commands.length > 0;
      return 'applied';
    }));
    if (wroteCommands) this.onCommandsCommitted();
    return result;
  }

  /**
   * Fires up to `limit` due timers, each in its own transaction, and returns
   * how many fired. A timer whose saga is busy with another step is left for
   * the next round rather than waited for.
   */
  async fireDueTimers(limit: number): Promise<number> {
    let fired = 0;
    // Timers passed over in this round: their saga is busy, or firing them failed.
    const skip: string[] = [];
    while (fired < limit) {
      let wroteCommands = false;
      let claimed: DueTimer | undefined;
      let result: 'none' | 'busy' | 'fired';
      try {
        result = await inTransaction(this.dataSource.manager, async (tx) => {
          wroteCommands = false;
          const timer = (claimed = await this.timers.claimDue(tx, skip));
          if (!timer) return 'none' as const;
          return withLogContext({ sagaId: timer.sagaId }, () => inSpan(
            `saga.timer ${timer.timerKey}`,
            { kind: SpanKind.INTERNAL, parent: timer, attributes: { 'saga.id': timer.sagaId, 'timer.key': timer.timerKey } },
            async () => {
          // Saga after timer is the opposite lock order of a reply step (saga, then its timers): skip, never wait.
          const saga = await this.sagas.lock(tx, timer.sagaId, { skipLocked: true });
          if (!saga) return 'busy' as const;
          await this.timers.delete(tx, timer.id);
          if (isTerminal(saga.status as SagaStatus)) return 'fired' as const;
          const definition = this.definitionOf(saga);
          const outcome = this.engine.fireTimer(definition, saga.id, persisted(saga), timer.timerKey);
          if (outcome.accepted) {
            const cause: Cause = { kind: 'timer', eventType: timer.timerKey, messageId: null, actor: 'timer' };
            await this.write(tx, saga, outcome, cause, `timer:${timer.id}`);
            wroteCommands = outcome.commands.length > 0;
          }
          return 'fired' as const;
            },
          ));
        });
      } catch (error) {
        if (!claimed) throw error;
        // One timer that cannot fire must not hold up the others.
        skip.push(claimed.id);
        await withLogContext({ sagaId: claimed.sagaId }, () => this.timerFailed(claimed!, error));
        continue;
      }
      if (result === 'none') break;
      if (result === 'busy') skip.push(claimed!.id);
      if (result === 'fired') fired++;
      if (wroteCommands) this.onCommandsCommitted();
    }
    return fired;
  }

  /**
   * A timer whose step fails for good (the definition cannot handle it) is
   * taken out and dead-lettered with the reason; one that failed for another
   * reason stays, to be tried again next round.
   */
  private async timerFailed(timer: DueTimer, error: unknown): Promise<void> {
    const reason = error instanceof Error ? error.message : String(error);
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

  /** An operator's action on a saga: one step, in one transaction, on the locked saga. */
  private operate(
    sagaId: string,
    decide: (saga: LockedSaga, definition: SagaDefinition) => { outcome: StepOutcome; cause: Cause },
  ): Promise<void> {
    return inSpan('saga.signal', { kind: SpanKind.INTERNAL, attributes: { 'saga.id': sagaId } }, () => this.operateInSpan(sagaId, decide));
  }

  private async operateInSpan(
    sagaId: string,
    decide: (saga: LockedSaga, definition: SagaDefinition) => { outcome: StepOutcome; cause: Cause },
  ): Promise<void> {
    let wroteCommands = false;
    await withLogContext({ sagaId }, () => inTransaction(this.dataSource.manager, async (tx) => {
      const saga = await this.sagas.lock(tx, sagaId);
      if (!saga) throw new SagaNotFoundError(sagaId);
      const { outcome, cause } = decide(saga, this.definitionOf(saga));
      await this.inbox.recordOnce(tx, cause.messageId!, saga.id, cause.eventType);
      await this.write(tx, saga, outcome, cause, cause.messageId!);
      wroteCommands = outcome.commands.length > 0;
    }));
    if (wroteCommands) this.onCommandsCommitted();
  }

  private definitionOf(saga: LockedSaga): SagaDefinition {
    const definition = this.registry.get(saga.name, saga.definitionVersion);
    if (!definition) {
      throw new SagaVersionUnavailableError(saga.name, saga.definitionVersion, saga.id, this.registry.versions(saga.name));
    }
    return definition;
  }

  private async write(
    tx: EntityManager,
    saga: Pick<LockedSaga, 'id' | 'name' | 'correlationId' | 'version' | 'stateValue'> & ObservedSaga,
    outcome: StepOutcome,
    cause: Cause,
    causationId: string,
  ): Promise<void> {
    const sentAt = new Date().toISOString();
    // The step's span is the parent of each command's publish, whenever the relay gets to it.
    const trace = currentTraceCarrier();
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
        replyTo: this.topics.replies,
        sentAt,
        ...(trace.traceparent ? trace : {}),
        payload: command.payload,
      } satisfies MessageEnvelope,
    }));
    const newVersion = saga.version + 1;
    this.steps.record(tx, saga, cause, { status: outcome.status, commands: outcome.commands.map((c) => c.type) }, 'applied');
    if (saga.version > 0) {
      const updated = await this.sagas.update(tx, saga.id, saga.version, {
        status: outcome.status,
        stateValue: outcome.stateValue,
        snapshot: outcome.snapshot,
        runtime: outcome.runtime,
        ended: isTerminal(outcome.status),
      });
      // The row is locked FOR UPDATE, so this only trips if that invariant is broken.
      if (!updated) throw new Error(`Saga ${saga.id} changed under a locked step (expected version ${saga.version}).`);
    }
    await this.history.append(tx, {
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
      note: outcome.parkedBecause ? `parked: ${outcome.parkedBecause}` : undefined,
    });
    await this.outbox.append(tx, commands);
    const step = { kind: cause.kind, event: cause.eventType, from: saga.stateValue ?? null, to: outcome.stateValue, status: outcome.status };
    withLogContext({ sagaId: saga.id, sagaName: saga.name, correlationId: saga.correlationId }, () => this.logger.debug?.('Step applied', step));
    await this.timers.cancel(tx, saga.id, outcome.timers.cancel);
    await this.timers.schedule(tx, saga.id, outcome.timers.schedule, trace);
    activeSpanAttributes({
      'saga.name': saga.name,
      'saga.state.before': JSON.stringify(saga.stateValue ?? null),
      'saga.state.after': JSON.stringify(outcome.stateValue),
      'saga.status': outcome.status,
    });
  }

  private async recordIgnored(tx: EntityManager, saga: LockedSaga, cause: Cause, note: string): Promise<void> {
    await this.history.append(tx, {
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

function persisted(saga: LockedSaga): { snapshot: unknown; runtime: SagaRuntime } {
  return { snapshot: saga.snapshot, runtime: saga.runtime as SagaRuntime };
}

function isTerminal(status: SagaStatus | string): boolean {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}
