import type { SagaStatus } from '@baton/core';
import type { StateValue } from 'xstate';
import type { PathInput } from './path-input';
import { endsPath, type SagaGraph, type SituationNode } from './saga-graph';

/**
 * How a path ends: `end` in a final status or stuck on a compensation;
 * `refused` when the engine threw on its last input; `dead-end` where
 * nothing can follow although the saga has not ended; `cut` where the
 * search stopped (`maxInputs`).
 */
export type PathEnding = 'end' | 'refused' | 'dead-end' | 'cut';

/** A path through the graph, before it is named. */
export interface CoveredPath {
  readonly inputs: readonly PathInput[];
  readonly ending: PathEnding;
  /** Where the saga stands at the end (before the input the engine refused, for `refused`). */
  readonly status: SagaStatus;
  readonly state: StateValue;
}

/** Whether a path stops at a situation: it ended or is stuck, was not explored further, or has no input it takes. */
function stopsAt(node: SituationNode): PathEnding | undefined {
  if (endsPath(node.status)) return 'end';
  if (!node.edges) return 'cut';
  return node.edges.length ? undefined : 'dead-end';
}

/**
 * Paths from the start that, together, take every input of every situation
 * (every edge of the graph) and end in every situation a path can end in.
 * Each is the shortest way to a situation not yet covered, the input, then
 * on through inputs not yet taken while there are any (a loop back, such as
 * a signal the saga takes twice, included), then the shortest way to an end. Because the graph's situations carry what the rules depend on
 * (`situationKey`), a rule any path breaks is broken on one of these.
 */
export function coverGraph(graph: SagaGraph): CoveredPath[] {
  const { nodes } = graph;
  const toEnd = routesToAnEnd(graph);
  const taken = new Set<string>();
  const endedAt = new Set<string>();
  const paths: CoveredPath[] = [];

  const prefixOf = (key: string): { inputs: PathInput[]; keys: string[] } => {
    const inputs: PathInput[] = [];
    const keys = [key];
    for (let node = nodes.get(key)!; node.parent; node = nodes.get(node.parent.from)!) {
      inputs.unshift(node.parent.input);
      keys.unshift(node.parent.from);
    }
    return { inputs, keys };
  };
  const takeAlong = (keys: readonly string[]) => {
    // The prefix follows first-reached parents: mark their edges taken.
    for (let i = 1; i < keys.length; i++) {
      const from = nodes.get(keys[i - 1])!;
      const index = from.edges!.findIndex((edge) => 'to' in edge && edge.to === keys[i]);
      if (index >= 0) taken.add(`${from.index}:${index}`);
    }
  };

  /** Goes on from the last situation of `keys` until the path stops. */
  const walk = (inputs: PathInput[], keys: string[]): CoveredPath => {
    const onPath = new Set(keys);
    for (;;) {
      const key = keys[keys.length - 1];
      const node = nodes.get(key)!;
      const stop = stopsAt(node);
      if (stop) return finish(inputs, keys, stop);
      const edges = node.edges!;
      const untaken = (i: number) => !taken.has(`${node.index}:${i}`);
      // An input not taken yet: to a situation new to this path, then back to one on it (a loop, taken once), then one the engine refuses.
      let index = edges.findIndex((edge, i) => untaken(i) && 'to' in edge && !onPath.has(edge.to) && toEnd.has(edge.to));
      if (index < 0) index = edges.findIndex((edge, i) => untaken(i) && 'to' in edge && toEnd.has(edge.to));
      if (index < 0) index = edges.findIndex((edge, i) => untaken(i) && 'error' in edge);
      if (index < 0) index = toEnd.get(key) ?? -1;
      if (index < 0) return finish(inputs, keys, 'dead-end');
      const edge = edges[index];
      taken.add(`${node.index}:${index}`);
      inputs.push(edge.input);
      if ('error' in edge) return finish(inputs, keys, 'refused');
      keys.push(edge.to);
      onPath.add(edge.to);
    }
  };
  const finish = (inputs: PathInput[], keys: string[], ending: PathEnding): CoveredPath => {
    const last = nodes.get(keys[keys.length - 1])!;
    endedAt.add(last.key);
    return { inputs, ending, status: last.status, state: last.state };
  };

  for (const node of nodes.values()) {
    (node.edges ?? []).forEach((edge, index) => {
      if (taken.has(`${node.index}:${index}`)) return;
      const { inputs, keys } = prefixOf(node.key);
      takeAlong(keys);
      taken.add(`${node.index}:${index}`);
      inputs.push(edge.input);
      if ('error' in edge) {
        paths.push(finish(inputs, keys, 'refused'));
        return;
      }
      keys.push(edge.to);
      paths.push(walk(inputs, keys));
    });
  }
  // A situation a path may end in, that every path so far went through (stuck, then an operator's signal).
  for (const node of nodes.values()) {
    const stop = stopsAt(node);
    if (!stop || endedAt.has(node.key)) continue;
    const { inputs, keys } = prefixOf(node.key);
    paths.push(finish(inputs, keys, stop));
  }
  return paths;
}

/**
 * For each situation from which a path can stop, the index of its edge on
 * the fewest inputs to a stop (breadth first over the reversed graph; -1 for
 * a stop itself). A situation missing here can go on forever without ending.
 */
function routesToAnEnd(graph: SagaGraph): Map<string, number> {
  const into = new Map<string, { from: string; index: number }[]>();
  const route = new Map<string, number>();
  const queue: string[] = [];
  for (const node of graph.nodes.values()) {
    if (stopsAt(node)) {
      route.set(node.key, -1);
      queue.push(node.key);
    }
    (node.edges ?? []).forEach((edge, index) => {
      if (!('to' in edge)) return;
      const list = into.get(edge.to) ?? [];
      list.push({ from: node.key, index });
      into.set(edge.to, list);
    });
  }
  for (let head = 0; head < queue.length; head++) {
    for (const { from, index } of into.get(queue[head]) ?? []) {
      if (route.has(from)) continue;
      route.set(from, index);
      queue.push(from);
    }
  }
  return route;
}
