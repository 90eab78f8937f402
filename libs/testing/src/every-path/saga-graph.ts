import { CommandFailed, SagaEngine, isTerminalStatus, type EventContract, type SagaDefinition, type SagaStatus } from '@baton/core';
import type { StateValue } from 'xstate';
import { SagaTestHarness } from '../saga-test-harness';
import { applyInput, describeInput, type PathInput } from './path-input';
import { PathLedger, beforeOf } from './path-ledger';
import { samplePayload } from './sample-payload';

/** Bounds and samples of the exploration (see `EveryPathOptions`). */
export interface GraphOptions {
  readonly input?: unknown;
  readonly samples?: Readonly<Record<string, unknown>>;
  readonly maxStates: number;
  readonly maxInputs: number;
  readonly operator: boolean;
}

/** Where an input leads: another situation, or the engine's error (the input broke the saga). */
export type Edge = { readonly input: PathInput; readonly to: string } | { readonly input: PathInput; readonly error: string };

/** One distinct situation of the saga: where its machine stands, what the engine tracks, which timers are armed. */
export interface SituationNode {
  readonly key: string;
  readonly status: SagaStatus;
  readonly state: StateValue;
  /** Its place in the order situations were found (breadth first). */
  readonly index: number;
  /** Fewest inputs from the start. */
  readonly depth: number;
  /** The situation it was first reached from, and the input that led here (none for the start). */
  readonly parent?: { readonly from: string; readonly input: PathInput };
  /** Its inputs and where each leads; undefined when it was not explored (beyond `maxInputs`). */
  edges?: Edge[];
}

/** The saga's situations and the inputs between them, as the engine ran them. */
export interface SagaGraph {
  readonly start: string;
  readonly nodes: ReadonlyMap<string, SituationNode>;
  /** The input the saga was started with. */
  readonly input: unknown;
}

/** Message ids the exploration's engine hands out: UUID-shaped, and easy to find in a snapshot to name them by order. */
const ID_PREFIX = 'ba70ba70-0000-4000-8000-';
const ID_PATTERN = /ba70ba70-0000-4000-8000-\d{12}/g;

/** An engine whose message ids are recognisable and whose retries wait exactly their delay (no jitter). */
export function explorationEngine(): SagaEngine {
  let next = 0;
  return new SagaEngine({ random: () => 1, newId: () => `${ID_PREFIX}${String(++next).padStart(12, '0')}` });
}

/** A fixed saga id, so paths replay alike. */
export const SAGA_ID = '00000000-0000-7000-8000-00000000ba70';

/**
 * What makes two situations the same for what can follow: the status, the
 * persisted snapshot, the engine's runtime without its transition count, the
 * timers by how far off they are, and what the ledger remembers of the path
 * (so the rules it checks come out the same); message ids are named by their
 * order of appearance, as each run of the saga draws new ones.
 */
export function situationKey(harness: SagaTestHarness, ledger: PathLedger): string {
  const { transitions: _transitions, ...runtime } = harness.engineState;
  const timers = [...harness.pendingTimers].map(([key, dueAt]) => `${key}@${dueAt - harness.now}`).sort();
  const snapshot = harness.snapshots[harness.snapshots.length - 1];
  const text = `${harness.status}|${snapshot}|${JSON.stringify(runtime)}|${timers.join(',')}|${ledger.key()}`;
  const names = new Map<string, string>();
  return text.replace(ID_PATTERN, (id) => {
    if (!names.has(id)) names.set(id, `#${names.size + 1}`);
    return names.get(id)!;
  });
}

/** Whether a situation ends a path: a final status, or a saga stuck on a compensation, waiting for an operator. */
export const endsPath = (status: SagaStatus) => isTerminalStatus(status) || status === 'stuck';

/** The events that reach a saga from outside rather than as a step's reply: operators' signals, and any event no step waits for. */
function outsideEvents(definition: SagaDefinition): EventContract[] {
  const replies = new Set<string>([CommandFailed.type, 'StepFailed', 'CompensationsCompleted']);
  for (const step of definition.steps.values()) {
    [...step.completedBy, ...step.refusedBy].forEach((reply) => replies.add(reply.type));
    if (step.compensation) replies.add(step.compensation.confirmedBy.type);
  }
  return [...definition.events.values()].filter((contract) => contract.signal || !replies.has(contract.type));
}

/** A payload for a message type: the one given in `samples`, or one sampled from its schema. */
function payloadSampler(definition: SagaDefinition, samples: Readonly<Record<string, unknown>> = {}) {
  const cache = new Map<string, unknown>();
  return (type: string): unknown => {
    if (type in samples) return samples[type];
    if (!cache.has(type)) cache.set(type, samplePayload(definition.events.get(type)!.schema, type));
    return cache.get(type);
  };
}

/** The inputs a saga may get where it stands, before trying which it accepts. */
function candidateInputs(
  harness: SagaTestHarness,
  payloadOf: (type: string) => unknown,
  outside: readonly EventContract[],
  operator: boolean,
): PathInput[] {
  const { definition } = harness;
  const inputs: PathInput[] = [];
  for (const command of Object.values(harness.engineState.pending)) {
    const compensation = command.compensates !== undefined;
    const step = definition.steps.get(compensation ? command.step.slice(0, -'.compensation'.length) : command.step)!;
    const replies = compensation ? [step.compensation!.confirmedBy] : [...step.completedBy, ...step.refusedBy];
    // A step that lists CommandFailed among its replies gets it below, with the command it names.
    for (const reply of replies.filter((r) => r.type !== CommandFailed.type)) inputs.push({ kind: 'reply', to: command.step, type: reply.type, payload: payloadOf(reply.type) });
    inputs.push({ kind: 'failure', to: command.step, command: command.type, transient: true });
    inputs.push({ kind: 'failure', to: command.step, command: command.type, transient: false });
  }
  const timers = [...harness.pendingTimers];
  if (timers.length) {
    const due = Math.min(...timers.map(([, dueAt]) => dueAt));
    const keys = timers.filter(([, dueAt]) => dueAt === due).map(([key]) => key).sort();
    inputs.push({ kind: 'timer', keys, afterMs: due - harness.now });
  }
  for (const contract of outside) {
    const byOperator = contract.type === 'RetryCompensation' || contract.type === 'ResolveCompensation';
    if (byOperator && (!operator || harness.status !== 'stuck')) continue;
    inputs.push({ kind: 'signal', type: contract.type, payload: payloadOf(contract.type) });
  }
  return inputs;
}

/** The inputs a saga may get where it stands (those it ignores included): what the exploration tries. */
export function possibleInputs(harness: SagaTestHarness, options: Pick<GraphOptions, 'samples' | 'operator'>): PathInput[] {
  const { definition } = harness;
  return candidateInputs(harness, payloadSampler(definition, options.samples), outsideEvents(definition), options.operator);
}

/**
 * Explores every situation a saga can reach from its start, breadth first,
 * by giving the real engine (through `SagaTestHarness`, on a virtual clock)
 * every input it may get in each: each reply of each command in flight, a
 * transient and a non-transient CommandFailed, the clock moving on to the
 * next timer (no answer), and each outside event it accepts. Situations
 * that are the same (`situationKey`, which includes what the path's
 * `PathLedger` remembers) are explored once.
 */
export function exploreSaga(definition: SagaDefinition, options: GraphOptions): SagaGraph {
  const payloadOf = payloadSampler(definition, options.samples);
  const input = options.input ?? samplePayload(definition.input, `the input of ${definition.name}`);
  const outside = outsideEvents(definition);
  const first = SagaTestHarness.start(definition, input, SAGA_ID, explorationEngine());
  const firstLedger = new PathLedger(definition);
  firstLedger.started(first);
  const nodes = new Map<string, SituationNode>();
  const start = situationKey(first, firstLedger);
  nodes.set(start, { key: start, index: 0, status: first.status, state: first.state, depth: 0 });
  const queue: ({ key: string; harness: SagaTestHarness; ledger: PathLedger } | undefined)[] = [{ key: start, harness: first, ledger: firstLedger }];
  for (let head = 0; head < queue.length; head++) {
    const { key, harness, ledger } = queue[head]!;
    queue[head] = undefined; // done with it: let it go
    const node = nodes.get(key)!;
    if (isTerminalStatus(node.status) || node.depth >= options.maxInputs) continue;
    const edges: Edge[] = [];
    for (const candidate of candidateInputs(harness, payloadOf, outside, options.operator)) {
      const next = harness.fork();
      const before = beforeOf(next);
      let accepted: boolean;
      try {
        accepted = applyInput(next, candidate);
      } catch (error) {
        edges.push({ input: candidate, error: error instanceof Error ? error.message : String(error) });
        continue;
      }
      if (!accepted) continue;
      const nextLedger = ledger.clone();
      nextLedger.applied(candidate, before, next);
      const to = situationKey(next, nextLedger);
      edges.push({ input: candidate, to });
      if (nodes.has(to)) continue;
      if (nodes.size >= options.maxStates) {
        throw new Error(
          `everyPath(${definition.name}@${definition.version}): more than ${options.maxStates} situations (at ${describeInput(candidate)}, ` +
            `${node.depth + 1} inputs in); raise maxStates, or give the saga fewer retries for the test (fewer attempts, one reply timeout).`,
        );
      }
      nodes.set(to, { key: to, index: nodes.size, status: next.status, state: next.state, depth: node.depth + 1, parent: { from: key, input: candidate } });
      queue.push({ key: to, harness: next, ledger: nextLedger });
    }
    node.edges = edges;
  }
  return { start, nodes, input };
}
