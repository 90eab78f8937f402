import { RetryCompensation } from '../definition/builtin-events';
import type { SagaDefinition } from '../definition/saga-definition';
import type { SagaRegistry } from '../definition/saga-registry';
import type { SagaEngine } from '../engine/saga-engine';
import type { SagaRuntime } from '../engine/saga-runtime';
import type { StepOutcome } from '../engine/step-outcome';
import { SagaNotFoundError } from '../errors/saga-not-found.error';
import { SagaVersionUnavailableError } from '../errors/saga-version-unavailable.error';
import { SignalRejectedError } from '../errors/signal-rejected.error';
import { UnknownSignalError } from '../errors/unknown-signal.error';
import type { MessageEnvelope } from '../transport/message-envelope';
import type { TopicNames } from '../transport/transport';
import { isTerminalStatus, type SagaRecord, type StepCause, type StepDecision, type StepObservation, type StepTrace } from './step-decision';

/** What every decider needs: the pure engine, the definitions by name and version, the topic names. */
export interface DeciderTools {
  readonly engine: SagaEngine;
  readonly registry: SagaRegistry;
  readonly topics: TopicNames;
}

/** When the step runs and under which trace: its commands carry both. */
export interface StepMoment {
  readonly now: Date;
  readonly trace: StepTrace;
}

// docs/architecture.md, "The step": each function below takes the saga as
// read (locked) and one input, and returns what the step does as data. None
// does I/O or changes its arguments; the caller writes the decisions of a
// batch in one statement, and moves its copy of a saga to `decision.saga`.

/** A start's decision: the new instance's row, and its input as the definition read it (an idempotency key is checked against it). */
export interface StartDecision extends StepDecision {
  readonly saga: SagaRecord;
  readonly input: unknown;
}

/** A start: the new instance, its first history row and its first commands. Throws InvalidMessageError for a bad input. */
export function decideStart(
  tools: DeciderTools,
  start: { definition: SagaDefinition; sagaId: string; input: unknown; correlationId: string; actor: string } & StepMoment,
): StartDecision {
  const { definition, sagaId, correlationId } = start;
  const outcome = tools.engine.start(definition, sagaId, start.input);
  const saga: SagaRecord = { id: sagaId, name: definition.name, definitionVersion: definition.version, correlationId, version: 0, stateValue: undefined, snapshot: undefined, runtime: undefined };
  const cause: StepCause = { kind: 'start', eventType: 'start', messageId: null, actor: start.actor };
  const decision = applied(tools, saga, outcome, cause, sagaId, start);
  return { ...decision, saga: decision.saga!, input: outcome.input };
}

/**
 * A reply or event for a saga: a duplicate when the inbox has its id, else
 * applied, or recorded as ignored when the saga's state does not take it
 * (an ended saga still hears late replies: the engine records what they
 * mean). Throws, deciding nothing, for a message that cannot apply
 * (SagaNotFoundError, InvalidMessageError, UnknownMessageTypeError, ...).
 */
export function decideMessage(
  tools: DeciderTools,
  message: { saga: SagaRecord | undefined; envelope: MessageEnvelope; actor: string; seen: boolean } & StepMoment,
): StepDecision {
  const { saga, envelope } = message;
  if (message.seen) {
    const observation = { sagaId: envelope.sagaId, sagaName: envelope.sagaName, kind: 'message', eventType: envelope.type, commands: [], outcome: 'duplicate' } as const;
    return { result: 'duplicate', commands: [], timers: { cancel: [], schedule: [], trace: message.trace }, observation };
  }
  if (!saga) throw new SagaNotFoundError(envelope.sagaId);
  const cause: StepCause = { kind: 'message', eventType: envelope.type, messageId: envelope.messageId, actor: message.actor };
  const inbox = { messageId: envelope.messageId, sagaId: envelope.sagaId, messageType: envelope.type };
  const outcome = tools.engine.receive(definitionOf(tools.registry, saga), saga.id, persisted(saga), envelope);
  if (!outcome.accepted) {
    const note = isTerminalStatus(saga.status)
      ? `the saga already ended ${saga.status}`
      : `state ${JSON.stringify(saga.stateValue)} does not accept ${envelope.type}`;
    return { ...ignored(saga, cause, note, message), inbox };
  }
  return { ...applied(tools, saga, outcome, cause, envelope.messageId, message), inbox };
}

/** A due timer: its row goes; an `after` of the machine or an engine timer fires, unless the saga ended or its state no longer takes it. */
export function decideTimer(tools: DeciderTools, fired: { saga: SagaRecord; timerId: string; key: string } & StepMoment): StepDecision {
  const { saga, key } = fired;
  const outcome = isTerminalStatus(saga.status) ? undefined : tools.engine.fireTimer(definitionOf(tools.registry, saga), saga.id, persisted(saga), key);
  if (!outcome?.accepted) return { result: 'ignored', saga, commands: [], timers: { cancel: [key], schedule: [], trace: fired.trace } };
  const cause: StepCause = { kind: 'timer', eventType: key, messageId: null, actor: 'timer' };
  const decision = applied(tools, saga, outcome, cause, `timer:${fired.timerId}`, fired);
  return { ...decision, timers: { ...decision.timers, cancel: [key, ...decision.timers.cancel] } };
}

/**
 * An operator's signal (an event contract marked `signal`). Throws
 * UnknownSignalError for a type that is not a signal of the saga, and
 * SignalRejectedError, naming what it accepts now, when its state does not
 * take it.
 */
export function decideSignal(
  tools: DeciderTools,
  signal: { saga: SagaRecord; type: string; payload: unknown; actor: string; messageId: string } & StepMoment,
): StepDecision {
  const { saga, type } = signal;
  const definition = definitionOf(tools.registry, saga);
  const signals = signalsOf(definition);
  if (!signals.includes(type)) throw new UnknownSignalError(saga.name, type, signals);
  const ended = isTerminalStatus(saga.status);
  const envelope = { type, version: definition.events.get(type)!.version, payload: signal.payload };
  const outcome = ended ? undefined : tools.engine.receive(definition, saga.id, persisted(saga), envelope);
  if (!outcome?.accepted) throw new SignalRejectedError(saga.id, type, saga.stateValue, signalsAcceptedNow(tools, saga));
  return operatorStep(tools, saga, outcome, { kind: 'signal', eventType: type, messageId: signal.messageId, actor: signal.actor }, signal);
}

/**
 * An operator's "retry": a saga stuck on a failed compensation sends it
 * again (RetryCompensation); otherwise every command in flight is resent
 * at once, with the same message ids. Throws SignalRejectedError when there
 * is nothing to retry.
 */
export function decideRetry(tools: DeciderTools, retry: { saga: SagaRecord; actor: string; messageId: string } & StepMoment): StepDecision {
  const { saga, actor } = retry;
  const definition = definitionOf(tools.registry, saga);
  if (saga.status === 'stuck') {
    const envelope = { type: RetryCompensation.type, version: RetryCompensation.version, payload: { by: actor } };
    const outcome = tools.engine.receive(definition, saga.id, persisted(saga), envelope);
    if (!outcome.accepted) throw new SignalRejectedError(saga.id, RetryCompensation.type, saga.stateValue, []);
    return operatorStep(tools, saga, outcome, { kind: 'signal', eventType: RetryCompensation.type, messageId: retry.messageId, actor }, retry);
  }
  const outcome = isTerminalStatus(saga.status) ? undefined : tools.engine.retryNow(definition, saga.id, persisted(saga));
  if (!outcome?.accepted) throw new SignalRejectedError(saga.id, 'retry', saga.stateValue, []);
  return operatorStep(tools, saga, outcome, { kind: 'signal', eventType: 'retry', messageId: retry.messageId, actor }, retry);
}

/** The definition a saga runs on; SagaVersionUnavailableError when this host does not have it. */
export function definitionOf(registry: SagaRegistry, saga: SagaRecord): SagaDefinition {
  const definition = registry.get(saga.name, saga.definitionVersion);
  if (!definition) throw new SagaVersionUnavailableError(saga.name, saga.definitionVersion, saga.id, registry.versions(saga.name));
  return definition;
}

function operatorStep(tools: DeciderTools, saga: SagaRecord, outcome: StepOutcome, cause: StepCause, moment: StepMoment): StepDecision {
  const messageId = cause.messageId!;
  return { ...applied(tools, saga, outcome, cause, messageId, moment), inbox: { messageId, sagaId: saga.id, messageType: cause.eventType } };
}

/** A step that moved the saga: its next row, history, commands (caused by `causationId`) and timers. */
function applied(tools: DeciderTools, saga: SagaRecord, outcome: StepOutcome, cause: StepCause, causationId: string, moment: StepMoment): StepDecision {
  const sentAt = moment.now.toISOString();
  const { traceparent, tracestate } = moment.trace;
  const commands = outcome.commands.map((command) => ({
    topic: tools.topics.commands(command.participant),
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
      replyTo: tools.topics.replies,
      sentAt,
      ...(traceparent ? { traceparent, tracestate } : {}),
      payload: command.payload,
    } satisfies MessageEnvelope,
  }));
  const next: SagaRecord = {
    ...saga,
    version: saga.version + 1,
    status: outcome.status,
    stateValue: outcome.stateValue,
    snapshot: outcome.snapshot,
    runtime: outcome.runtime,
    createdAt: saga.createdAt ?? moment.now,
  };
  const note = [outcome.note, outcome.parkedBecause && `parked: ${outcome.parkedBecause}`].filter(Boolean).join('; ') || undefined;
  return {
    result: 'applied',
    saga: next,
    row: { write: saga.version === 0 ? 'insert' : 'update', expectedVersion: saga.version, ended: isTerminalStatus(outcome.status) },
    history: {
      sagaId: saga.id,
      sagaVersion: next.version,
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
      note,
    },
    commands,
    timers: { cancel: outcome.timers.cancel, schedule: outcome.timers.schedule, trace: moment.trace },
    observation: observation(saga, cause, outcome.status, outcome.commands.map((c) => c.type), 'applied', moment.now),
  };
}

/** An input the saga did not take: a history row, nothing else changes. */
function ignored(saga: SagaRecord, cause: StepCause, note: string, { now, trace }: StepMoment): StepDecision {
  return {
    result: 'ignored',
    saga,
    history: {
      sagaId: saga.id,
      sagaVersion: saga.version,
      kind: 'ignored',
      eventType: cause.eventType,
      messageId: cause.messageId,
      actor: cause.actor,
      fromState: saga.stateValue,
      toState: saga.stateValue,
      status: saga.status!,
      commands: [],
      note,
    },
    commands: [],
    timers: { cancel: [], schedule: [], trace },
    observation: observation(saga, cause, saga.status, [], 'ignored', now),
  };
}

function observation(
  saga: SagaRecord,
  cause: StepCause,
  status: SagaRecord['status'],
  commands: readonly string[],
  outcome: 'applied' | 'ignored',
  now: Date,
): StepObservation {
  return {
    sagaId: saga.id,
    sagaName: saga.name,
    definitionVersion: saga.definitionVersion,
    kind: cause.kind,
    eventType: cause.eventType,
    status,
    previousStatus: saga.status,
    commands,
    outcome,
    createdAt: saga.createdAt === undefined ? now : new Date(saga.createdAt),
  };
}

const signalsOf = (definition: SagaDefinition) => [...definition.events.values()].filter((e) => e.signal).map((e) => e.type);

/**
 * The signals a saga accepts in its state now: those decideSignal would
 * apply rather than refuse with "not accepted now" (none once it ended).
 */
export function signalsAcceptedNow(tools: Pick<DeciderTools, 'engine' | 'registry'>, saga: SagaRecord): string[] {
  if (isTerminalStatus(saga.status)) return [];
  const definition = definitionOf(tools.registry, saga);
  return tools.engine.acceptedEvents(definition, saga.id, persisted(saga), signalsOf(definition));
}

function persisted(saga: SagaRecord): { snapshot: unknown; runtime: SagaRuntime } {
  return { snapshot: saga.snapshot, runtime: saga.runtime as SagaRuntime };
}
