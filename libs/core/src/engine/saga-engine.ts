import { validatePayload } from '../contracts/payload-validation';
import { CommandFailed, ENGINE_EVENTS, ResolveCompensation, RetryCompensation } from '../definition/builtin-events';
import type { SagaDefinition } from '../definition/saga-definition';
import type { SagaEvent } from '../definition/saga-event';
import { InvalidMessageError } from '../errors/invalid-message.error';
import { UnknownMessageTypeError } from '../errors/unknown-message-type.error';
import { uuidv7 } from '../util/uuid-v7';
import { EMPTY_RUNTIME, isCompensation, type SagaRuntime } from './saga-runtime';
import { StepDraft } from './step-draft';
import type { DraftTools } from './step-rules';
import type { StepOutcome } from './step-outcome';

/** An inbound message as the engine sees it: type, sender's schema version, raw payload. */
export interface InboundMessage {
  readonly type: string;
  readonly version: number;
  readonly payload: unknown;
  /** The message it answers (a participant's reply names its command). */
  readonly causationId?: string;
}

/** A saga as persisted: the machine's snapshot and the engine's runtime. */
export interface PersistedSaga {
  readonly snapshot: unknown;
  readonly runtime?: SagaRuntime;
}

/** Bounds on one instance, against runaway loops and event storms. */
export interface SagaLimits {
  /** Transitions an instance may take before it is parked as failed. @default 1000 */
  maxTransitions?: number;
  /** Commands an instance may have in flight (awaiting their reply) at once. @default 50 */
  maxCommandsInFlight?: number;
}

/** The bounds an instance runs with unless the engine is given others. */
export const DEFAULT_SAGA_LIMITS: Readonly<Required<SagaLimits>> = Object.freeze({ maxTransitions: 1000, maxCommandsInFlight: 50 });

export interface SagaEngineOptions {
  /** Message ids of commands. @default uuidv7 */
  newId?: () => string;
  /** Randomness for retry jitter. @default Math.random */
  random?: () => number;
  limits?: SagaLimits;
}

/**
 * The pure step engine: restores a saga from its persisted snapshot, feeds it
 * one input and reports what changed and which commands and timers it
 * recorded. Beside the machine it keeps the instance's commands in flight
 * (retries), its compensations (armed when a step took effect or its
 * outcome is unknown, run newest first), the commands it gave up on (so a
 * late reply is recognised), and parks an instance that crosses its bounds
 * (see StepDraft for the rules). It does no I/O and keeps nothing between
 * calls, so any host replica can run any step.
 */
export class SagaEngine {
  private readonly tools: DraftTools;

  constructor(options: SagaEngineOptions = {}) {
    this.tools = {
      newId: options.newId ?? uuidv7,
      random: options.random ?? Math.random,
      limits: { ...DEFAULT_SAGA_LIMITS, ...options.limits },
    };
  }

  /** Creates a new instance from its (unvalidated) input and runs its initial entry actions. */
  start(definition: SagaDefinition, sagaId: string, input: unknown): StepOutcome {
    const parsed = validatePayload({ kind: 'event', type: 'input', version: 1, schema: definition.input }, input);
    if (!parsed.ok) {
      throw new InvalidMessageError('input', parsed.issues, `Saga "${definition.name}" v${definition.version}`);
    }
    const draft = new StepDraft({ definition, sagaId, eventType: 'start', snapshot: undefined, runtime: EMPTY_RUNTIME, tools: this.tools });
    draft.start(parsed.value);
    return { ...draft.outcome(), input: parsed.value };
  }

  /**
   * Applies a reply, event or operator signal, validated (and upcast)
   * against the saga's contracts. A reply to a tracked command settles it
   * (a CommandFailed is retried or fails its step); a reply to a command the
   * saga gave up on is recorded as late; a confirmation goes to the
   * compensation it confirms; anything else goes to the machine. Not
   * accepted (nothing changed) when none of them takes it.
   */
  receive(definition: SagaDefinition, sagaId: string, saga: PersistedSaga, message: InboundMessage): StepOutcome {
    const event = this.toEvent(definition, sagaId, message);
    const draft = this.draft(definition, sagaId, message.type, saga);
    const { causationId } = message;
    if (event.type === CommandFailed.type) {
      const failure = event.payload as { command: string; reason: string; transient: boolean };
      const inFlight = draft.findInFlight(event.type, causationId, failure.command);
      const abandoned = !inFlight && draft.findAbandoned(event.type, causationId, failure.command);
      if (inFlight) draft.attemptFailed(inFlight, failure.reason, failure.transient);
      else if (abandoned) draft.late(abandoned, event.type);
      else draft.send(event);
      return draft.outcome();
    }
    const inFlight = draft.findInFlight(event.type, causationId);
    if (inFlight && isCompensation(inFlight)) {
      draft.confirmed(inFlight);
    } else if (inFlight) {
      draft.settle(inFlight, event.type);
      if (!draft.send(event)) draft.note(`${event.type} settled ${inFlight.step}, but state ${JSON.stringify(draft.machine.value)} does not accept it`);
    } else if (draft.failure && (event.type === RetryCompensation.type || event.type === ResolveCompensation.type)) {
      const { by, note } = event.payload as { by: string; note?: string };
      if (event.type === RetryCompensation.type) draft.retryFailed(by);
      else draft.resolveFailed(by, note);
    } else {
      const abandoned = draft.findAbandoned(event.type, causationId);
      const confirmedLate = !abandoned && draft.failedConfirmedBy(event.type, causationId);
      if (abandoned) draft.late(abandoned, event.type);
      else if (confirmedLate) draft.confirmedLate(confirmedLate);
      // A step's reply that names another command than the one in flight answers nothing this saga waits for.
      else if (!(causationId && draft.findInFlight(event.type, undefined))) draft.send(event);
    }
    return draft.outcome();
  }

  /** Fires a durable timer: an `after` of the machine, or one of the engine's retry and reply-timeout timers. */
  fireTimer(definition: SagaDefinition, sagaId: string, saga: PersistedSaga, key: string): StepOutcome {
    const draft = this.draft(definition, sagaId, key, saga);
    if (key.startsWith('baton.')) draft.engineTimerFired(key);
    else draft.send({ type: key });
    return draft.outcome();
  }

  /**
   * An operator's "retry now": every command in flight is sent again at once
   * (same message ids), its retry timer cancelled. Not accepted when nothing
   * is in flight.
   */
  retryNow(definition: SagaDefinition, sagaId: string, saga: PersistedSaga): StepOutcome {
    const draft = this.draft(definition, sagaId, 'retry', saga);
    const inFlight = draft.commandsInFlight();
    if (inFlight.length) draft.resend(inFlight);
    return draft.outcome();
  }

  /** Event types the saga accepts in its current state, of those in `candidates`. */
  acceptedEvents(definition: SagaDefinition, sagaId: string, saga: PersistedSaga, candidates: readonly string[]): string[] {
    const draft = this.draft(definition, sagaId, 'accepted-events', saga);
    const operatorNow: string[] = draft.failure ? [RetryCompensation.type, ResolveCompensation.type] : [];
    return candidates.filter((type) => operatorNow.includes(type) || draft.machine.can({ type, payload: {} } as any));
  }

  /**
   * Validates a message against the saga's contracts and turns it into the
   * machine's event. Events only the engine makes (StepFailed,
   * CompensationsCompleted) are refused from outside.
   */
  toEvent(definition: SagaDefinition, sagaId: string, message: InboundMessage): SagaEvent {
    const contract = definition.events.get(message.type);
    if (!contract) {
      throw new UnknownMessageTypeError(message.type, definition.name, definition.version, [...definition.events.keys()]);
    }
    const where = `Saga "${definition.name}" v${definition.version} instance ${sagaId}`;
    if (ENGINE_EVENTS.includes(message.type)) {
      throw new InvalidMessageError(message.type, [{ path: '(type)', message: `${message.type} is made by the engine only; it cannot be sent to a saga` }], where);
    }
    const parsed = validatePayload(contract, message.payload, message.version);
    if (!parsed.ok) throw new InvalidMessageError(message.type, parsed.issues, where);
    return { type: message.type, payload: parsed.value };
  }

  private draft(definition: SagaDefinition, sagaId: string, eventType: string, saga: PersistedSaga): StepDraft {
    return new StepDraft({ definition, sagaId, eventType, snapshot: saga.snapshot, runtime: saga.runtime ?? EMPTY_RUNTIME, tools: this.tools });
  }
}
