import { createActor, type Actor, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import { validatePayload } from '../contracts/payload-validation';
import { SagaTags } from '../definition/saga-context';
import type { SagaDefinition } from '../definition/saga-definition';
import { COMMAND_EFFECT, type CommandEffect } from '../definition/saga-effect';
import type { SagaEvent } from '../definition/saga-event';
import { InvalidMessageError } from '../errors/invalid-message.error';
import { SagaRestoreError } from '../errors/saga-restore.error';
import { SagaStepError } from '../errors/saga-step.error';
import { UnknownMessageTypeError } from '../errors/unknown-message-type.error';
import { armedTimerKeys } from './armed-timers';
import type { OutgoingCommand, SagaStatus, StepOutcome, TimerToSchedule } from './step-outcome';

/** An inbound message as the engine sees it: type, sender's schema version, raw payload. */
export interface InboundMessage {
  readonly type: string;
  readonly version: number;
  readonly payload: unknown;
}

/**
 * XState hands delayed events to this clock. It never fires them: Baton keeps
 * timers in the database and feeds them back as events when they are due.
 */
const DURABLE_TIMERS_CLOCK = {
  setTimeout: () => 0,
  clearTimeout: () => undefined,
};

function statusOf(snapshot: AnyMachineSnapshot): SagaStatus {
  if (snapshot.status === 'done') {
    if (snapshot.hasTag(SagaTags.compensated)) return 'compensated';
    if (snapshot.hasTag(SagaTags.failed)) return 'failed';
    return 'completed';
  }
  return snapshot.hasTag(SagaTags.compensating) ? 'compensating' : 'running';
}

/**
 * The pure step engine: restores a saga from its persisted snapshot, feeds it
 * one event and reports what changed and which effects it recorded. It does
 * no I/O and keeps nothing between calls, so any host replica can run any
 * step.
 */
export class SagaEngine {
  /** Creates a new instance from its (unvalidated) input and runs its initial entry actions. */
  start(definition: SagaDefinition, sagaId: string, input: unknown): StepOutcome {
    const parsed = validatePayload({ kind: 'event', type: 'input', version: 1, schema: definition.input }, input);
    if (!parsed.ok) {
      throw new InvalidMessageError('input', parsed.issues, `Saga "${definition.name}" v${definition.version}`);
    }
    return this.run(definition, sagaId, 'start', undefined, parsed.value, undefined);
  }

  /** Feeds a reply or event, validated (and upcast) against the saga's contracts. */
  receive(definition: SagaDefinition, sagaId: string, snapshot: unknown, message: InboundMessage): StepOutcome {
    const event = this.toEvent(definition, sagaId, message);
    return this.run(definition, sagaId, message.type, snapshot, undefined, event);
  }

  /** Fires a durable timer; `key` is the delayed event type recorded when it was scheduled. */
  fireTimer(definition: SagaDefinition, sagaId: string, snapshot: unknown, key: string): StepOutcome {
    return this.run(definition, sagaId, key, snapshot, undefined, { type: key });
  }

  /** Validates a message against the saga's contracts and turns it into the machine's event. */
  toEvent(definition: SagaDefinition, sagaId: string, message: InboundMessage): SagaEvent {
    const contract = definition.events.get(message.type);
    if (!contract) {
      throw new UnknownMessageTypeError(message.type, definition.name, definition.version, [...definition.events.keys()]);
    }
    const parsed = validatePayload(contract, message.payload, message.version);
    if (!parsed.ok) {
      throw new InvalidMessageError(
        message.type,
        parsed.issues,
        `Saga "${definition.name}" v${definition.version} instance ${sagaId}`,
      );
    }
    return { type: message.type, payload: parsed.value };
  }

  private run(
    definition: SagaDefinition,
    sagaId: string,
    eventType: string,
    snapshot: unknown,
    input: unknown,
    event: { type: string } | undefined,
  ): StepOutcome {
    const fail = (problem: string, cause?: unknown) =>
      new SagaStepError(definition.name, definition.version, sagaId, eventType, problem, { cause });
    const actor = this.restore(definition, sagaId, snapshot, input);
    const effects: CommandEffect[] = [];
    let thrown: unknown;
    actor.on(COMMAND_EFFECT, (effect: CommandEffect) => effects.push(effect));
    actor.subscribe({ error: (error: unknown) => (thrown = error) });
    try {
      actor.start();
      const before = actor.getSnapshot();
      const armedBefore = snapshot === undefined ? new Set<string>() : armedTimerKeys(definition.machine, before);
      if (event && !before.can(event)) {
        return this.outcome(actor, before, false, [], { schedule: [], cancel: [] });
      }
      if (event) actor.send(event);
      const after = actor.getSnapshot();
      if (thrown !== undefined || after.status === 'error') {
        const cause = thrown ?? after.error;
        throw fail(`an action threw: ${cause instanceof Error ? cause.message : String(cause)}`, cause);
      }
      const commands = effects.map((effect) => this.resolveCommand(definition, effect, fail));
      const armedAfter = armedTimerKeys(definition.machine, after);
      const schedule = this.scheduledTimers(actor, fail);
      const cancel = [...armedBefore].filter((key) => !armedAfter.has(key));
      return this.outcome(actor, after, true, commands, { schedule, cancel });
    } finally {
      actor.stop();
    }
  }

  private restore(definition: SagaDefinition, sagaId: string, snapshot: unknown, input: unknown): Actor<AnyStateMachine> {
    let actor: Actor<AnyStateMachine>;
    try {
      actor = createActor(definition.machine, { id: sagaId, input, snapshot: snapshot as any, clock: DURABLE_TIMERS_CLOCK });
    } catch (error) {
      if (snapshot === undefined) throw error;
      throw new SagaRestoreError(definition.name, definition.version, sagaId, error);
    }
    // XState does not throw for a snapshot it cannot restore (or a context
    // factory that throws): it hands back an actor in error status.
    const initial = actor.getSnapshot();
    if (initial.status === 'error') {
      if (snapshot !== undefined) throw new SagaRestoreError(definition.name, definition.version, sagaId, initial.error);
      const cause = initial.error;
      throw new SagaStepError(definition.name, definition.version, sagaId, 'start',
        `the machine could not start: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
    return actor;
  }

  private resolveCommand(
    definition: SagaDefinition,
    effect: CommandEffect,
    fail: (problem: string) => SagaStepError,
  ): OutgoingCommand {
    const contract = definition.commands.get(effect.command);
    if (!contract) {
      throw fail(`it sends command "${effect.command}", which the saga does not declare in "commands".`);
    }
    const parsed = validatePayload(contract, effect.payload);
    if (!parsed.ok) {
      const issues = parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
      throw fail(`command ${effect.command} has an invalid payload: ${issues}`);
    }
    return { type: contract.type, version: contract.version, participant: contract.participant, payload: parsed.value };
  }

  /** Delayed events scheduled during this step. Only `after` transitions are durable. */
  private scheduledTimers(actor: Actor<AnyStateMachine>, fail: (problem: string) => SagaStepError): TimerToSchedule[] {
    const scheduled = Object.values(
      (actor.system as any).getSnapshot()._scheduledEvents as Record<string, { event: { type: string }; delay: number }>,
    );
    return scheduled.map(({ event, delay }) => {
      if (!event.type.startsWith('xstate.after.')) {
        throw fail(`it schedules a delayed "${event.type}"; only \`after\` transitions become durable timers.`);
      }
      return { key: event.type, delayMs: delay };
    });
  }

  private outcome(
    actor: Actor<AnyStateMachine>,
    snapshot: AnyMachineSnapshot,
    accepted: boolean,
    commands: OutgoingCommand[],
    timers: StepOutcome['timers'],
  ): StepOutcome {
    return {
      accepted,
      snapshot: actor.getPersistedSnapshot(),
      stateValue: snapshot.value,
      status: statusOf(snapshot),
      output: snapshot.output,
      context: snapshot.context,
      commands,
      timers,
    };
  }
}
