import type { PathMove, PathState } from './saga-paths';

/**
 * The strongly connected components of the places of a saga, over the
 * moves `follow` keeps (Tarjan's algorithm, iterative): each component in
 * the order found, sinks first (a reverse topological order).
 */
export function components(states: readonly PathState[], follow: (move: PathMove) => boolean): PathState[][] {
  const index = new Map<PathState, number>();
  const low = new Map<PathState, number>();
  const onStack = new Set<PathState>();
  const stack: PathState[] = [];
  const found: PathState[][] = [];
  let counter = 0;
  for (const start of states) {
    if (index.has(start)) continue;
    const work: Array<{ state: PathState; next: number }> = [{ state: start, next: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length) {
      const frame = work[work.length - 1];
      const moves = frame.state.moves;
      if (frame.next < moves.length) {
        const move = moves[frame.next++];
        if (!follow(move)) continue;
        const to = move.to;
        if (!index.has(to)) {
          index.set(to, counter);
          low.set(to, counter++);
          stack.push(to);
          onStack.add(to);
          work.push({ state: to, next: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.state, Math.min(low.get(frame.state)!, index.get(to)!));
        }
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1].state;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.state)!));
      }
      if (low.get(frame.state) === index.get(frame.state)) {
        const component: PathState[] = [];
        let member: PathState;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.state);
        found.push(component.sort((a, b) => a.id - b.id));
      }
    }
  }
  return found;
}
