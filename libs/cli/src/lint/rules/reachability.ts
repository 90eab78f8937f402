import { CompensationsCompleted, StepFailed } from '@baton/core';
import { listed, type RuleContext } from '../lint-context';
import { components } from '../path-components';
import { selfAndAncestors, type ChartNode } from '../saga-chart';
import type { PathState } from '../saga-paths';

/** Where a saga that rests in `state` for good is stuck: its states that are not final, or the highest done state with no onDone. */
function stuckAt(state: PathState): ChartNode[] {
  const waiting = state.leaves.filter((leaf) => leaf.type !== 'final');
  if (waiting.length) return waiting;
  const [leaf] = state.leaves;
  const done = selfAndAncestors(leaf).filter((node) => node.parent && !node.transitions.some((t) => t.kind === 'done'));
  return [done[done.length - 1] ?? leaf];
}

/** Why nothing moves a saga on from `node` in `state`: what it listens for that cannot come. */
function whyStuck(node: ChartNode, state: PathState, steps: RuleContext['chart']['definition']['steps']): string {
  if (node.type !== 'atomic') return `${node.path} is done, and it has no onDone`;
  const listens = [...new Set(selfAndAncestors(node).flatMap((at) => at.transitions.filter((t) => t.kind === 'event' && t.targets.length).map((t) => t.event)))];
  if (!listens.length) return `${node.path} has no transition that leaves it (no on, after or always)`;
  const why = listens.map((event) => {
    const replying = [...steps.values()].filter((step) => [...step.completedBy, ...step.refusedBy].some((reply) => reply.type === event));
    if (replying.length) return `${event} (a reply of step ${listed(replying.map((s) => s.name))}, which is not in flight there)`;
    if (event === StepFailed.type) return `${event} (no step is in flight there)`;
    if (event === CompensationsCompleted.type) return `${event} (which comes only in a compensation() state)`;
    return event;
  });
  return `${node.path} waits only for ${listed(why)}${state.inFlight.size ? '' : ', and no step is in flight'}`;
}

/**
 * reachability/unreachable, reachability/dead-end, reachability/no-final:
 * over every path of the saga (saga-paths.ts), a state no path enters; a
 * place the saga can rest in for good though it has not ended (nothing that
 * can happen there moves it); and places that lead only to each other.
 */
export function checkReachability({ chart, paths, report }: RuleContext): void {
  if (!paths) return;
  const { states } = paths;
  const entered = new Set(states.flatMap((state) => [...state.active]));
  for (const node of chart.nodes) {
    if (entered.has(node) || node.type === 'history' || (node.parent && !entered.has(node.parent))) continue;
    const into = chart.nodes.flatMap((source) =>
      source.transitions.filter((t) => t.targets.includes(node)).map((t) => `${source.path} ${t.kind === 'event' ? `on ${t.event}` : t.kind === 'after' ? `after ${t.delay}` : t.kind}`),
    );
    report({
      rule: 'reachability/unreachable',
      node,
      message: `no path enters ${node.path}: ${into.length ? `only ${listed(into)} lead${into.length > 1 ? '' : 's'} there, and no path takes ${into.length > 1 ? 'them' : 'it'}` : 'no transition targets it'}`,
      fix: `lead to ${node.path} from the state that should go there (check the target names and the event), or remove it`,
    });
  }

  // The places from which the saga can still end.
  const ends = new Set(states.filter((state) => state.ended));
  const into = new Map<PathState, PathState[]>();
  for (const state of states) for (const move of state.moves) into.set(move.to, [...(into.get(move.to) ?? []), state]);
  const queue = [...ends];
  while (queue.length) {
    for (const before of into.get(queue.pop()!) ?? []) {
      if (!ends.has(before)) {
        ends.add(before);
        queue.push(before);
      }
    }
  }
  // The places it cannot end from lead to some it cannot leave: report those (the cause), not every way there.
  const trapped = states.filter((state) => !ends.has(state));
  const trappedSet = new Set(trapped);
  for (const component of components(trapped, (move) => trappedSet.has(move.to))) {
    const members = new Set(component);
    if (component.some((state) => state.moves.some((move) => !members.has(move.to)))) continue;
    const leaves = [...new Set(component.flatMap((state) => state.leaves))];
    if (component.length === 1) {
      const [state] = component;
      for (const node of stuckAt(state)) {
        report({
          rule: 'reachability/dead-end',
          node,
          message: `the saga can stop in ${node.path} for good: ${whyStuck(node, state, chart.definition.steps)}`,
          fix: `give ${node.path} a way on (a reply of a step it sends, an after deadline, an onDone), or make it final`,
        });
      }
    } else {
      const [first] = component;
      const node = first.leaves.find((leaf) => leaf.type !== 'final') ?? first.leaves[0];
      report({
        rule: 'reachability/no-final',
        node,
        message: `from ${node.path} the saga can only go round ${listed(leaves.map((leaf) => leaf.path))} and never reach a final state`,
        fix: `give one of ${listed(leaves.map((leaf) => leaf.path))} a way to a final state (e.g. an after deadline that compensates)`,
      });
    }
  }
}
