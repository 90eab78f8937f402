import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  BatchQueue,
  PermanentMessageError,
  SagaEngine,
  SagaNotFoundError,
  UnknownSagaNameError,
  consoleLogger,
  decideRetry,
  decideSignal,
  decideStart,
  errorMessage,
  isPermanentFailure,
  isUuid,
  storableText,
  uuidv7,
  withLogContext,
  type BatonLogger,
  type DeciderTools,
  type MessageEnvelope,
  type SagaRecord,
  type SagaRegistry,
  type StepDecision,
  type TopicNames,
} from '@baton/core';
import { SpanKind, inBatchSpan, inSpan } from '@baton/tracing';
import { DeadLetterRepository } from '../repositories/dead-letter.repository';
import { OutboxRepository } from '../repositories/outbox.repository';
import { SagaTimerRepository, type DueTimer } from '../repositories/saga-timer.repository';
import { SagaRepository } from '../repositories/saga.repository';
import { inTransaction, isUniqueViolation } from '../sql';
import { afterCommit, type OutboxHandoff } from '../workers/outbox-relay';
import { add, runStepBatch, stepMoment, type StepAnswer, type StepBatchParts, type StepInput } from './step-batch';
import { StepObservations, type HistoryListener, type StepListener } from './step-observations';
import { StepWrites } from './step-writes';

/**
 * How long a poller's claim on due timers lasts: the timers it holds wait
 * this long for another poller if its process dies (or a step fails for a
 * reason that may pass), as the outbox's lease does for commands.
 */
const TIMER_CLAIM_MS = 5_000;

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
  /** Most inputs (starts, messages, due timers) applied in one transaction. 1 = a transaction per input. @default 64 */
  maxBatchSize?: number;
  /** Step transactions running at once, each on its own connection. @default 2 */
  concurrency?: number;
}

/** What a SagaStepUnitOfWork works with. */
export interface SagaStepOptions {
  dataSource: DataSource;
  registry: SagaRegistry;
  topics: TopicNames;
  /** @default a SagaEngine with its default limits */
  engine?: SagaEngine;
  /** The host's relay: commands written are handed to it once their transaction committed. Without it, relays claim them. */
  relay?: OutboxHandoff;
  /** @default the console */
  logger?: BatonLogger;
  batching?: StepBatchingOptions;
  /** The repositories the step reads and writes through. @default each made on `dataSource` */
  sagas?: SagaRepository;
  timers?: SagaTimerRepository;
  deadLetters?: DeadLetterRepository;
}

/**
 * The step (docs/architecture.md, "The step"): every input to a saga (a
 * start, a reply, a due timer, an operator's action) is decided by core's
 * pure deciders on the locked saga and written with its history row, inbox
 * record, outbox rows and timer changes in one transaction. Nothing leaves
 * the process before it commits; the relay publishes afterwards.
 *
 * Starts, messages and timers that arrive while step transactions are busy
 * share the next one (group commit, core's BatchQueue, which also tries a
 * failed batch again one input at a time): each input keeps its own inbox
 * record, history row and answer, the sagas are locked in id order, one
 * saga's inputs are applied in the order they arrived, and all their writes
 * go out in one statement (StepWrites).
 */
export class SagaStepUnitOfWork {
  private readonly dataSource: DataSource;
  private readonly tools: DeciderTools;
  private readonly relay?: OutboxHandoff;
  private readonly logger: BatonLogger;
  private readonly sagas: SagaRepository;
  private readonly timers: SagaTimerRepository;
  private readonly deadLetters: DeadLetterRepository;
  private readonly steps = new StepObservations();
  private readonly parts: StepBatchParts;
  private readonly queue: BatchQueue<StepInput, StepAnswer>;

  constructor(options: SagaStepOptions) {
    this.dataSource = options.dataSource;
    this.tools = { engine: options.engine ?? new SagaEngine(), registry: options.registry, topics: options.topics };
    this.relay = options.relay;
    this.logger = options.logger ?? consoleLogger;
    this.sagas = options.sagas ?? new SagaRepository(this.dataSource);
    this.timers = options.timers ?? new SagaTimerRepository(this.dataSource);
    this.deadLetters = options.deadLetters ?? new DeadLetterRepository(this.dataSource);
    const outbox = new OutboxRepository(this.dataSource, 'baton_outbox');
    this.parts = { tools: this.tools, sagas: this.sagas, timers: this.timers, outbox, steps: this.steps, logger: this.logger, leaseMs: this.relay?.leaseMs };
    this.queue = new BatchQueue((inputs) => this.applyBatch(inputs), {
      maxBatchSize: options.batching?.maxBatchSize ?? 64,
      concurrency: options.batching?.concurrency ?? 2,
      keyOf: (input) => (input.kind === 'start' ? input.decision.saga.id : input.kind === 'message' ? input.envelope.sagaId : input.timer.sagaId),
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

  /**
   * Calls `listener` with the ids of the history rows each transaction
   * committed (in id order), never for one that rolled back. Only this
   * replica's steps: other replicas' are NOTIFYed on STEPS_CHANNEL.
   * Returns a function that removes it.
   */
  observeHistory(listener: HistoryListener): () => void {
    return this.steps.listenHistory(this.dataSource, listener);
  }

  /** Starts a saga on the newest version of its definition. Throws before touching the database on bad input. */
  start(request: StartSagaRequest): Promise<StartSagaResult> {
    return inSpan(`saga.start ${request.name}`, { kind: SpanKind.INTERNAL, attributes: { 'saga.name': request.name } }, async (span) => {
      const definition = this.tools.registry.latest(request.name);
      if (!definition) throw new UnknownSagaNameError(request.name, this.tools.registry.names());
      const sagaId = uuidv7();
      const start = { definition, sagaId, input: request.input, correlationId: request.correlationId ?? sagaId, actor: request.actor ?? 'api' };
      const decision = decideStart(this.tools, { ...start, ...stepMoment() });
      const key = request.idempotencyKey ?? null;
      const inputHash = key ? createHash('sha256').update(JSON.stringify(decision.input)).digest('hex') : null;
      const result = (await this.queue.push({ kind: 'start', decision, idempotencyKey: key, inputHash, span })) as StartSagaResult;
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

  /**
   * The reply topic's handler: applies one participant reply and resolves
   * (so the transport acknowledges it) once its transaction committed.
   * Throws PermanentMessageError for a reply that can never apply, so the
   * transport dead-letters it; any other error means "try again".
   */
  async consumeReply(envelope: MessageEnvelope): Promise<void> {
    if (!isUuid(String(envelope.sagaId))) throw new PermanentMessageError(`saga id "${envelope.sagaId}" is not a uuid`);
    try {
      await this.deliver(envelope, 'participant');
    } catch (error) {
      if (!isPermanentFailure(error)) throw error;
      this.logger.warn(`Dead-lettering ${envelope.type} ${envelope.messageId} for saga ${envelope.sagaId}: ${errorMessage(error)}`);
      throw new PermanentMessageError(errorMessage(error), { cause: error });
    }
  }

  /**
   * Claims up to `limit` due timers and fires each as an input of the step
   * batches; answers how many fired. A timer that cannot fire is
   * dead-lettered (permanently) or tried again once its claim ran out.
   */
  async fireDueTimers(limit: number): Promise<number> {
    const due = await this.timers.claimDue(limit, TIMER_CLAIM_MS);
    const answers = await Promise.allSettled(due.map((timer) => this.fireTimer(timer)));
    let fired = 0;
    for (const [i, answer] of answers.entries()) {
      if (answer.status === 'fulfilled') fired += answer.value === 'fired' ? 1 : 0;
      else await withLogContext({ sagaId: due[i].sagaId }, () => this.timerFailed(due[i], answer.reason));
    }
    return fired;
  }

  private fireTimer(timer: DueTimer): Promise<StepAnswer> {
    const attributes = { 'saga.id': timer.sagaId, 'timer.key': timer.timerKey };
    return inSpan(`saga.timer ${timer.timerKey}`, { kind: SpanKind.INTERNAL, parent: timer, attributes }, (span) =>
      this.queue.push({ kind: 'timer', timer, span }),
    );
  }

  /** A timer whose step fails for good is taken out and dead-lettered with the reason; one that failed otherwise stays for the next round. */
  private async timerFailed(timer: DueTimer, error: unknown): Promise<void> {
    const reason = errorMessage(error);
    if (!isPermanentFailure(error)) {
      this.logger.warn(`Timer ${timer.timerKey} of saga ${timer.sagaId} failed, will retry: ${reason}`);
      return;
    }
    this.logger.error(`Timer ${timer.timerKey} of saga ${timer.sagaId} cannot fire; dead-lettered: ${reason}`);
    await inTransaction(this.dataSource.manager, async (tx) => {
      await this.timers.delete(tx, timer.id);
      await this.deadLetters.recordTimer(tx, timer, reason);
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
    await this.operate(sagaId, (saga) => decideSignal(this.tools, { saga, type, payload, actor, messageId: uuidv7(), ...stepMoment() }));
  }

  /**
   * An operator's "retry": a saga stuck on a failed compensation sends it
   * again (RetryCompensation); otherwise every command in flight is resent at
   * once (same message ids, so participants that got them dedupe). Decided on
   * the locked saga. Throws SignalRejectedError when there is nothing to retry.
   * `reason`, the operator's why, is the note of the step's history row,
   * ahead of what the engine notes.
   */
  async retryNow(sagaId: string, actor: string, reason?: string): Promise<void> {
    await this.operate(sagaId, (saga) => {
      const decision = decideRetry(this.tools, { saga, actor, messageId: uuidv7(), ...stepMoment() });
      if (!reason || !decision.history) return decision;
      const note = [storableText(reason), decision.history.note].filter(Boolean).join('; ');
      return { ...decision, history: { ...decision.history, note } };
    });
  }

  /** An operator's action on a saga: one step, in a transaction of its own, on the locked saga. */
  private operate(sagaId: string, decide: (saga: SagaRecord) => StepDecision): Promise<void> {
    return inSpan('saga.signal', { kind: SpanKind.INTERNAL, attributes: { 'saga.id': sagaId } }, async () => {
      const written = await withLogContext({ sagaId }, () =>
        inTransaction(this.dataSource.manager, async (tx) => {
          const saga = (await this.sagas.lock(tx, [sagaId])).get(sagaId);
          if (!saga) throw new SagaNotFoundError(sagaId);
          const writes = new StepWrites(this.parts.outbox);
          add(this.parts, tx, writes, decide(saga));
          const written = await writes.flush(tx, this.relay?.leaseMs);
          this.parts.steps.recordHistory(tx, written.historyIds);
          return written;
        }, { fold: true }),
      );
      afterCommit(this.relay, written);
    });
  }

  /** One transaction for a batch of inputs: each settles on its own, and none is acknowledged before the commit. */
  private async applyBatch(inputs: StepInput[]) {
    const spans = inputs.map((input) => input.span);
    const { answers, written } = await inBatchSpan('saga.step.batch', spans, () =>
      inTransaction(this.dataSource.manager, (tx) => runStepBatch(this.parts, tx, inputs), {
        retryOn: (error) => isUniqueViolation(error, 'baton_inbox_pkey'),
        fold: true,
      }),
    );
    afterCommit(this.relay, written);
    return answers;
  }
}
