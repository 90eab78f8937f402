import {
  getNextTransitions,
  initialTransition,
  transition,
  type ActorLogic,
  type AnyActorScope,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type EventObject,
  type ExecutableActionObject,
  type Snapshot,
} from 'xstate';
import type { SagaDefinition } from '../definition/saga-definition';
import { COMMAND_EFFECT, COMPENSATE_EFFECT, type SagaEffect } from '../definition/saga-effect';
import { SagaRestoreError } from '../errors/saga-restore.error';
import { SagaStepError } from '../errors/saga-step.error';
import { errorMessage } from '../util/error-message';
import type { TimerToSchedule } from './step-outcome';

/** What one accepted run of the machine produced. */
export interface MachineRun {
  /** The machine after the run. */
  readonly after: AnyMachineSnapshot;
  /** `after` as it is stored: JSON-safe, it restores as an active (or done) instance. */
  readonly persisted: unknown;
  /** The effects its actions recorded, in the order they ran. */
  readonly effects: readonly SagaEffect[];
  /** The delayed (`after`) events it scheduled and did not cancel again. */
  readonly scheduled: readonly TimerToSchedule[];
}

/**
 * `restoreSnapshot` reads its actor scope only to re-create a snapshot's
 * child actors, and a saga's machine has none: `run` refuses to start one.
 * Pinned in xstate-behaviour.spec.ts.
 */
const NO_CHILD_ACTORS = undefined as unknown as AnyActorScope;

/** What `initialTransition` is given to start a saga: its input, wrapped (see `stepLogicOf`). */
interface StartWith {
  readonly input: unknown;
}

/** The saga's machine as the logic MachineRunner hands to XState's pure functions. */
type StepLogic = ActorLogic<AnyMachineSnapshot, EventObject, StartWith | undefined>;

/** What XState's throwaway actor holds instead of the machine's initial snapshot; nothing reads it. */
const NOT_STARTED = { status: 'active', output: undefined, error: undefined } as const satisfies Snapshot<undefined>;

const stepLogics = new WeakMap<AnyStateMachine, StepLogic>();

/**
 * The saga's machine as the actor logic given to `transition` and
 * `initialTransition`. XState's pure functions create a throwaway actor of
 * the logic they are given, and that actor computes the logic's initial
 * snapshot, without input, on every call: for a saga's machine its context
 * factory and initial entry actions, which cost more than the transition
 * itself. This logic hands every transition, and a start with the saga's
 * input, to the machine, and gives the throwaway actor a placeholder.
 * Pinned in xstate-behaviour.spec.ts.
 */
export function stepLogicOf(machine: AnyStateMachine): StepLogic {
  let logic = stepLogics.get(machine);
  if (!logic) {
    logic = {
      transition: (snapshot, event, scope) => machine.transition(snapshot, event, scope),
      getInitialSnapshot: (scope, start) => (start ? machine.getInitialSnapshot(scope, start.input) : (NOT_STARTED as unknown as AnyMachineSnapshot)),
      getPersistedSnapshot: (snapshot) => machine.getPersistedSnapshot(snapshot),
    };
    stepLogics.set(machine, logic);
  }
  return logic;
}

/** Where XState's delayed events start: `after` transitions, which Baton keeps as durable timers. */
const AFTER_EVENT = 'xstate.after.';

/**
 * Runs one saga's machine on XState's pure transition functions: restores it
 * from its persisted snapshot, computes the next snapshot for one event, and
 * reads what the run did from the actions XState hands back as data (the
 * effects it emitted, the delayed events it scheduled). Nothing is scheduled
 * or kept between calls; the saga's own custom actions run here, so one that
 * throws fails the step.
 */
export class MachineRunner {
  constructor(
    private readonly definition: SagaDefinition,
    private readonly sagaId: string,
  ) {}

  /** Creates the instance from its (validated) input and runs its initial entry actions. */
  start(input: unknown): MachineRun {
    const [first, actions] = initialTransition(stepLogicOf(this.definition.machine), { input });
    if (first.status === 'error') {
      // XState does not throw for a context factory (or an initial action's expression) that
      // throws: it hands back a snapshot in error status.
      const cause = first.error;
      throw this.fail('start', `the machine could not start: ${errorMessage(cause)}`, cause);
    }
    return this.run('start', first, actions);
  }

  /** Feeds `event` to the machine as it stands; undefined (nothing changed) when its state has no transition for it. */
  send(current: AnyMachineSnapshot, event: EventObject): MachineRun | undefined {
    if (!current.can(event)) return undefined;
    let next: AnyMachineSnapshot;
    let actions: readonly ExecutableActionObject[];
    try {
      [next, actions] = transition(stepLogicOf(this.definition.machine), current, event);
    } catch (error) {
      // An assign, a guard or an emitted event's expression that throws stops the transition here.
      throw this.fail(event.type, `an action threw: ${errorMessage(error)}`, error);
    }
    return this.run(event.type, next, actions);
  }

  /** The instance as persisted, restored (for its status, tags and what it accepts). */
  restore(persisted: unknown): AnyMachineSnapshot {
    const { definition, sagaId } = this;
    try {
      return definition.machine.restoreSnapshot(persisted as Snapshot<unknown>, NO_CHILD_ACTORS);
    } catch (error) {
      throw new SagaRestoreError(definition.name, definition.version, sagaId, error);
    }
  }

  /**
   * Reads the actions of one transition, in order: emitted effects are
   * collected, delayed events scheduled (and cancelled again) are tracked by
   * id, the saga's own actions are run. XState's other built-in actions are
   * left alone: assign and an undelayed raise took effect in the transition,
   * and a log has nowhere to write.
   */
  private run(eventType: string, after: AnyMachineSnapshot, actions: readonly ExecutableActionObject[]): MachineRun {
    const effects: SagaEffect[] = [];
    // By id; one scheduled without an id can only be told apart, never cancelled.
    const delayed = new Map<unknown, { event: EventObject; delay: number }>();
    for (const action of actions) {
      const params = action.params as { event?: EventObject; id?: string; delay?: number; sendId?: string } | undefined;
      switch (action.type) {
        case 'xstate.emit':
          if (params?.event?.type === COMMAND_EFFECT || params?.event?.type === COMPENSATE_EFFECT) effects.push(params.event as SagaEffect);
          break;
        case 'xstate.raise':
        case 'xstate.sendTo':
          if (typeof params?.delay === 'number') {
            delayed.set(params.id ?? {}, { event: params.event!, delay: params.delay });
          } else if (action.type === 'xstate.sendTo') {
            throw this.fail(eventType, `it sends ${params?.event?.type} to an actor; a saga's machine only records effects (sagaStep, sendCommand).`);
          }
          break;
        case 'xstate.cancel':
          delayed.delete(params?.sendId);
          break;
        case 'xstate.spawnChild':
          throw this.fail(eventType, "it starts a child actor (invoke or spawn); a saga's machine only records effects (sagaStep, sendCommand).");
        default:
          if (!action.type.startsWith('xstate.')) this.execute(eventType, action);
      }
    }
    if (after.status === 'error') throw this.fail(eventType, `an action threw: ${errorMessage(after.error)}`, after.error);
    const scheduled = [...delayed.values()].map(({ event, delay }) => {
      if (!event.type.startsWith(AFTER_EVENT)) {
        throw this.fail(eventType, `it schedules a delayed "${event.type}"; only \`after\` transitions become durable timers.`);
      }
      return { key: event.type, delayMs: delay };
    });
    return { after, persisted: this.definition.machine.getPersistedSnapshot(after), effects, scheduled };
  }

  /** Runs one of the saga's own (custom) actions, as an actor would. */
  private execute(eventType: string, action: ExecutableActionObject): void {
    try {
      action.exec?.(action.info, action.params);
    } catch (error) {
      throw this.fail(eventType, `an action threw: ${errorMessage(error)}`, error);
    }
  }

  private fail(eventType: string, problem: string, cause?: unknown): SagaStepError {
    const { name, version } = this.definition;
    return new SagaStepError(name, version, this.sagaId, eventType, problem, { cause });
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
