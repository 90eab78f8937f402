import { listed, type RuleContext } from '../lint-context';
import { components } from '../path-components';
import { commonAncestor, type ChartNode } from '../saga-chart';
import type { PathMove, PathState } from '../saga-paths';

/** The state a place is reported at: its first state that is not final (or its first). */
const placeOf = (state: PathState): ChartNode => state.leaves.find((leaf) => leaf.type !== 'final') ?? state.leaves[0];

/**
 * bounds/*: the engine parks an instance that has more than
 * maxCommandsInFlight commands awaiting replies at once, or that takes more
 * than maxTransitions transitions (SagaLimits). Over every path: the steps
 * in flight in each place (one more while compensation() runs one); the
 * longest path, loops left out, counting what the engine counts (a message,
 * signal or timer taken, the start), and loops: a loop of transitions none
 * of which has a guard (a step's `failed` guard names the step, it bounds
 * nothing) can run until the engine parks the instance.
 */
export function checkBounds({ chart, paths, limits, report }: RuleContext): void {
  if (!paths) return;
  const { states } = paths;
  const reported = new Set<ChartNode>();
  for (const state of states) {
    const count = state.inFlight.size + (state.compensating ? 1 : 0);
    if (count <= limits.maxCommandsInFlight) continue;
    const senders = [...state.inFlight.values()].map((f) => f.sentAt);
    const node = commonAncestor(senders) ?? chart.root;
    if (reported.has(node)) continue;
    reported.add(node);
    report({
      rule: 'bounds/commands-in-flight',
      node,
      message: `on some path ${count} commands are in flight at once in ${node.path} (${listed([...state.inFlight.keys()])}${state.compensating ? ' and a compensation' : ''}), more than maxCommandsInFlight ${limits.maxCommandsInFlight}: the engine parks the instance`,
      fix: `send fewer steps at once (fan out in stages), or run the engine with a higher maxCommandsInFlight and lint with --max-commands-in-flight`,
    });
  }

  // The longest path, loops left out: over the components (sinks first), the most transitions to reach each, and the move that does.
  const all = components(states, () => true);
  const componentOf = new Map<PathState, number>();
  all.forEach((component, i) => component.forEach((state) => componentOf.set(state, i)));
  const longest = new Array<number>(all.length).fill(-Infinity);
  const via = new Array<{ from: number; move: PathMove } | undefined>(all.length);
  longest[componentOf.get(states[0])!] = 1;
  for (let i = all.length - 1; i >= 0; i--) {
    if (longest[i] === -Infinity) continue;
    for (const state of all[i]) {
      for (const move of state.moves) {
        const j = componentOf.get(move.to)!;
        const count = longest[i] + (move.external && move.transitions.length ? 1 : 0);
        if (j !== i && count > longest[j]) {
          longest[j] = count;
          via[j] = { from: i, move };
        }
      }
    }
  }
  const most = Math.max(...longest);
  if (most > limits.maxTransitions) {
    // Back along the longest path to the move that passes the limit.
    let at = longest.indexOf(most);
    let crossing = via[at]!.move;
    while (via[at] && longest[via[at]!.from] > limits.maxTransitions) {
      at = via[at]!.from;
      crossing = via[at]!.move;
    }
    const node = placeOf(crossing.to);
    report({
      rule: 'bounds/max-transitions',
      node,
      message: `the longest path that loops nowhere takes ${most} transitions, and passes maxTransitions ${limits.maxTransitions} in ${node.path}: the engine parks the instance there`,
      fix: `split the saga (a child saga per stage), or run the engine with a higher maxTransitions and lint with --max-transitions`,
    });
  }

  // Loops that no guard bounds.
  const unguarded = (move: PathMove) =>
    move.transitions.some((t) => t.targets.length > 0) && move.transitions.every((t) => t.guard === undefined || chart.failedGuards.has(t.guard));
  const loops = new Set<string>();
  for (const component of components(states, unguarded)) {
    const members = new Set(component);
    const inside = component.flatMap((state) => state.moves.filter((move) => unguarded(move) && members.has(move.to)));
    if (!inside.length) continue;
    const taken = inside.flatMap((move) => move.transitions.filter((t) => t.targets.length).map((t) => ({ t, move })));
    const sources = [...new Set(taken.map(({ t }) => t.source))].sort((a, b) => a.index - b.index);
    const describe = [...new Set(taken.map(({ t, move }) => `${t.source.path} → ${listed(t.targets.map((target) => target.path))} on ${move.trigger}`))];
    const key = [...describe].sort().join('|');
    if (loops.has(key)) continue;
    loops.add(key);
    const eventless = inside.every((move) => !move.external);
    report({
      rule: 'bounds/unbounded-cycle',
      node: sources[0],
      message: `${sources[0].path} can loop without end: ${listed(describe)}, and none of these transitions has a guard${eventless ? ' (eventless: the machine never rests)' : `: the engine parks the instance after maxTransitions ${limits.maxTransitions}`}`,
      fix: `guard one of these transitions with a bound (e.g. ({ context }) => context.attempts < 3), or leave the loop after a deadline`,
    });
  }
}
