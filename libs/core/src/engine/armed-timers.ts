import type { AnyMachineSnapshot, AnyStateMachine, AnyStateNode, StateValue } from 'xstate';

interface DelayedState {
  readonly value: StateValue;
  readonly eventTypes: readonly string[];
}

const cache = new WeakMap<AnyStateMachine, DelayedState[]>();


/** Every state of the machine that has `after` transitions, with their delayed event types. */
function delayedStates(machine: AnyStateMachine): DelayedState[] {
  let found = cache.get(machine);
  if (!found) {
    found = [];
    const visit = (node: AnyStateNode) => {
      if (node.after.length && node.path.length) {
        found!.push({ value: toValue(node.path), eventTypes: node.after.map((t) => t.eventType) });
      }
      Object.values(node.states).forEach(visit);
    };
    visit(machine.root);
    cache.set(machine, found);
  }
  return found;
}

function toValue(path: readonly string[]): StateValue {
  // { a: { b: 'c' } } for path [a, b, c]; a leaf alone is its name.
  if (path.length === 1) return path[0];
  const leaf = path[path.length - 1];
  return path.slice(0, -2).reduceRight<StateValue>((inner, key) => ({ [key]: inner }), { [path[path.length - 2]]: leaf });
}

/**
 * The delayed events that are armed in a snapshot: those of every active
 * state with `after` transitions. A timer stays armed exactly while its state
 * is active, so leaving the state is what cancels it.
 */
export function armedTimerKeys(machine: AnyStateMachine, snapshot: AnyMachineSnapshot): Set<string> {
  const armed = new Set<string>();
  for (const state of delayedStates(machine)) {
    if (snapshot.matches(state.value)) state.eventTypes.forEach((type) => armed.add(type));
  }
  return armed;
}

