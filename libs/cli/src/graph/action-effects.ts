import type { SagaDefinition, SagaStep } from '@baton/core';
import type { AnyStateMachine } from 'xstate';

/** A command an action sends: a step's (tracked, maybe undone) or a fire-and-forget one (`sendCommand`). */
export interface SentCommand {
  /** The command's message type: `ReserveStock`. */
  readonly command: string;
  /** The step it belongs to, when it is a step's `send`. */
  readonly step?: string;
  /** The command that undoes it, when the step declares a compensation: `ReleaseStock`. */
  readonly undoneBy?: string;
}

/** What a list of actions records, as far as the graph is concerned. */
export interface ActionEffects {
  readonly sends: SentCommand[];
  /** One of them is `compensation()`'s: undo the armed steps, newest first. */
  readonly compensates: boolean;
  /** Effects whose command could not be told without running the saga. */
  readonly unknownSends: number;
}

// The effect types of libs/core/src/definition/saga-effect.ts (not exported by
// @baton/core): what sagaStep, sendCommand and compensation() emit.
const COMMAND_EFFECT = 'baton.command';
const COMPENSATE_EFFECT = 'baton.compensate';

/**
 * A stand-in for the context and event when an emitted effect is worked out
 * without a saga: every property, call and conversion answers another
 * stand-in, so a payload function runs through and the effect's `type` and
 * `command`, which do not depend on it, can be read.
 */
function standIn(): unknown {
  const handler: ProxyHandler<(...args: unknown[]) => void> = {
    get: (_target, property) => {
      if (property === Symbol.toPrimitive) return () => '';
      if (property === Symbol.iterator) return function* () {};
      if (property === 'then') return undefined;
      return proxy;
    },
    apply: () => proxy,
    construct: () => proxy as object,
  };
  const proxy: unknown = new Proxy(function standInTarget() {}, handler);
  return proxy;
}

interface EmitAction {
  readonly type: 'xstate.emit';
  readonly event: unknown;
}

const isEmit = (action: unknown): action is EmitAction =>
  typeof action === 'function' && (action as { type?: unknown }).type === 'xstate.emit';

/**
 * What an effect action says it records, when it carries a description
 * (`batonEffect`: `{ effect, command, step }`), so it need not be run.
 */
function describedEffect(action: unknown): { type: unknown; command?: unknown; step?: unknown } | undefined {
  if ((typeof action !== 'function' && typeof action !== 'object') || action === null) return undefined;
  const description = (action as { batonEffect?: { effect?: unknown; command?: unknown; step?: unknown } }).batonEffect;
  return description && typeof description.effect === 'string' ? { type: description.effect, command: description.command, step: description.step } : undefined;
}

/**
 * Reads what actions send: a step's `send` is known by identity (the saga's
 * `steps`), an action that describes its effect by what it says; any other
 * emitted effect (`sendCommand`, `compensation()`) is worked out on stand-ins, since the machine only records effects and does
 * no I/O (docs/architecture.md, invariant 9). Named actions are looked up in
 * the machine's implementations.
 */
export class ActionEffectReader {
  private readonly stepBySend = new Map<unknown, SagaStep<unknown>>();

  constructor(private readonly definition: SagaDefinition) {
    for (const step of definition.steps.values()) this.stepBySend.set(step.send, step);
  }

  /** The effects of `actions` (an entry list, a transition's actions). */
  read(actions: readonly unknown[]): ActionEffects {
    const sends: SentCommand[] = [];
    let compensates = false;
    let unknownSends = 0;
    for (const action of actions.map((a) => this.resolve(a))) {
      const step = this.stepBySend.get(action);
      if (step) {
        sends.push(this.sentBy(step));
        continue;
      }
      const described = describedEffect(action);
      if (!described && !isEmit(action)) continue;
      const effect = described ?? this.effectOf(action as EmitAction);
      if (effect === undefined) unknownSends++;
      else if (effect.type === COMPENSATE_EFFECT) compensates = true;
      else if (effect.type === COMMAND_EFFECT && typeof effect.command === 'string') {
        const owner = typeof effect.step === 'string' ? this.definition.steps.get(effect.step) : undefined;
        sends.push(owner ? this.sentBy(owner) : { command: effect.command });
      }
    }
    return { sends, compensates, unknownSends };
  }

  private sentBy(step: SagaStep<unknown>): SentCommand {
    return { command: step.command.type, step: step.name, undoneBy: step.compensation?.command.type };
  }

  /** A named action (`'notify'`, `{ type: 'notify' }`) as the machine's implementations give it. */
  private resolve(action: unknown): unknown {
    const machine: AnyStateMachine = this.definition.machine;
    const actions = (machine.implementations?.actions ?? {}) as Record<string, unknown>;
    if (typeof action === 'string') return actions[action] ?? action;
    if (typeof action === 'object' && action !== null && typeof (action as { type?: unknown }).type === 'string') {
      return actions[(action as { type: string }).type] ?? action;
    }
    return action;
  }

  /** The effect an emit action records, or undefined when it cannot be told. */
  private effectOf(action: EmitAction): { type?: unknown; command?: unknown; step?: unknown } | undefined {
    try {
      const event = typeof action.event === 'function' ? (action.event as (args: unknown) => unknown)({ context: standIn(), event: standIn() }) : action.event;
      return typeof event === 'object' && event !== null ? (event as { type?: unknown }) : undefined;
    } catch {
      return undefined;
    }
  }
}
