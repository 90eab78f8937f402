import { errorMessage } from '../util/error-message';
import { createActor, getNextTransitions, type Actor, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import type { SagaDefinition } from '../definition/saga-definition';
import { COMMAND_EFFECT, COMPENSATE_EFFECT, type SagaEffect } from '../definition/saga-effect';
import { SagaRestoreError } from '../errors/saga-restore.error';
import { SagaStepError } from '../errors/saga-step.error';
import type { TimerToSchedule } from './step-outcome';

/**
 * XState hands delayed events to this clock. It never fires them: Baton keeps
 * timers in the database and feeds them back as events when they are due.
 */
const DURABLE_TIMERS_CLOCK = {
  setTimeout: () => 0,
  clearTimeout: () => undefined,
};

/** What one run of the machine produced. */
export interface MachineRun {
  readonly accepted: boolean;
  /** The instance as it was before the event. */
  readonly before: AnyMachineSnapshot;
  /** Taken before the actor stops: a stopped actor's snapshot would restore as stopped. */
  readonly persisted: unknown;
  readonly after: AnyMachineSnapshot;
  readonly effects: readonly SagaEffect[];
  /** Delayed (`after`) events the run scheduled. */
  readonly scheduled: readonly TimerToSchedule[];
}

/**
 * Runs one saga's machine: restores it from its persisted snapshot, feeds it
 * one event, and collects the effects its actions recorded. The machine does
 * no I/O; nothing runs between calls.
 */
export class MachineRunner {
  constructor(
    private readonly definition: SagaDefinition,
    private readonly sagaId: string,
  ) {}

  /** Creates the instance from its (validated) input and runs its initial entry actions. */
  start(input: unknown): MachineRun {
    return this.run('start', undefined, input, undefined);
  }

  /** Feeds `event` to the instance persisted as `snapshot`; not accepted when its state has no transition for it. */
  send(snapshot: unknown, event: { type: string; payload?: unknown }): MachineRun {
    return this.run(event.type, snapshot, undefined, event);
  }

  /** The instance as persisted, restored (for its status, tags and what it accepts). */
  restore(snapshot: unknown): AnyMachineSnapshot {
    const actor = this.actor(snapshot, undefined);
    actor.start();
    try {
      return actor.getSnapshot();
    } finally {
      actor.stop();
    }
  }

  private run(eventType: string, snapshot: unknown, input: unknown, event: { type: string } | undefined): MachineRun {
    const fail = (problem: string, cause?: unknown) =>
      new SagaStepError(this.definition.name, this.definition.version, this.sagaId, eventType, problem, { cause });
    const actor = this.actor(snapshot, input);
    const effects: SagaEffect[] = [];
    let thrown: unknown;
    actor.on(COMMAND_EFFECT, (effect: SagaEffect) => effects.push(effect));
    actor.on(COMPENSATE_EFFECT, (effect: SagaEffect) => effects.push(effect));
    actor.subscribe({ error: (error: unknown) => (thrown = error) });
    try {
      actor.start();
      const before = actor.getSnapshot();
      if (event && !before.can(event)) {
        return { accepted: false, before, persisted: actor.getPersistedSnapshot(), after: before, effects: [], scheduled: [] };
      }
      if (event) actor.send(event);
      const after = actor.getSnapshot();
      if (thrown !== undefined || after.status === 'error') {
        const cause = thrown ?? after.error;
        throw fail(`an action threw: ${errorMessage(cause)}`, cause);
      }
      return { accepted: true, before, persisted: actor.getPersistedSnapshot(), after, effects, scheduled: scheduledTimers(actor, fail) };
    } finally {
      actor.stop();
    }
  }

  private actor(snapshot: unknown, input: unknown): Actor<AnyStateMachine> {
    const { definition, sagaId } = this;
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
      throw new SagaStepError(
        definition.name,
        definition.version,
        sagaId,
        'start',
        `the machine could not start: ${errorMessage(cause)}`,
        { cause },
      );
    }
    return actor;
  }
}

/**
 * What the machine, as it stands, waits for: a test of whether one of
 * `replies` has a transition from some active state (or an ancestor),
 * guards aside (XState's public `getNextTransitions`).
 */
export function awaitedBy(snapshot: AnyMachineSnapshot): (replies: readonly string[]) => boolean {
  if (snapshot.status !== 'active') return () => false;
  const types = new Set(getNextTransitions(snapshot).map((transition) => transition.eventType));
  if (types.has('*')) return () => true;
  return (replies) => replies.some((reply) => types.has(reply));
}

/** Delayed events scheduled during this run. Only `after` transitions are durable. */
function scheduledTimers(actor: Actor<AnyStateMachine>, fail: (problem: string) => SagaStepError): TimerToSchedule[] {
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
