import { SagaTags, command, compensation, defineSaga, event, sagaStep, sendCommand, type SagaDefinition, type SagaEvent } from '@baton/core';
import { assign, setup } from 'xstate';
import { z } from 'zod';
import { SagaTestHarness } from '../saga-test-harness';
import { checkPath, everyPath, type PathCheck, type SagaPath } from './every-path';
import { applyInput, describePath, type PathInput } from './path-input';
import { SAGA_ID, endsPath, explorationEngine, possibleInputs } from './saga-graph';

/**
 * Sagas with a bug planted on one path: the generated paths find it, name
 * the path and the rule it breaks, and let every other path pass.
 */

const Reserve = command('Reserve', { participant: 'stock', schema: z.object({ item: z.string() }) });
const Release = command('Release', { participant: 'stock', schema: z.object({ item: z.string() }) });
const Charge = command('Charge', { participant: 'card', schema: z.object({ item: z.string() }) });
const Refund = command('Refund', { participant: 'card', schema: z.object({ item: z.string() }) });
const Reserved = event('Reserved', { schema: z.object({}) });
const Refused = event('Refused', { schema: z.object({ reason: z.string() }) });
const Released = event('Released', { schema: z.object({}) });
const Charged = event('Charged', { schema: z.object({}) });
const Declined = event('Declined', { schema: z.object({}) });
const Refunded = event('Refunded', { schema: z.object({}) });
const Cancel = event('Cancel', { schema: z.object({}), signal: true });

interface Ctx {
  item: string;
  at?: unknown;
}

// No retry policy: one attempt, no reply timeout; a transient failure gives the step up (outcome unknown).
const reserve = sagaStep<Ctx, typeof Reserve, typeof Release>({
  name: 'reserve',
  command: Reserve,
  payload: ({ context }) => ({ item: context.item }),
  completedBy: [Reserved],
  refusedBy: [Refused],
  compensation: { command: Release, payload: ({ command }) => ({ item: command.item }), confirmedBy: Released },
});
const charge = sagaStep<Ctx, typeof Charge, typeof Refund>({
  name: 'charge',
  command: Charge,
  payload: ({ context }) => ({ item: context.item }),
  completedBy: [Charged],
  refusedBy: [Declined],
  compensation: { command: Refund, payload: ({ command }) => ({ item: command.item }), confirmedBy: Refunded },
});

const machineSetup = setup({ types: { context: {} as Ctx, input: {} as { item: string }, events: {} as SagaEvent } });
const releaseByHand = sendCommand<Ctx, typeof Release>(Release, ({ context }) => ({ item: context.item }));
const refundByHand = sendCommand<Ctx, typeof Refund>(Refund, ({ context }) => ({ item: context.item }));

/** A saga of `reserve` then `charge`, with the states given. */
function saga(name: string, states: Record<string, unknown>): SagaDefinition {
  return defineSaga({
    name,
    version: 1,
    input: z.object({ item: z.string() }),
    commands: [Reserve, Release, Charge, Refund],
    events: [Reserved, Refused, Released, Charged, Declined, Refunded, Cancel],
    steps: [reserve, charge],
    machine: machineSetup.createMachine({ id: name, context: ({ input }: { input: { item: string } }) => ({ item: input.item }), initial: 'reserving', states } as any),
  });
}

/** Reserve, then charge; a refusal compensates. */
const reserving = {
  entry: reserve.send,
  on: { Reserved: 'charging', Refused: 'compensating', StepFailed: { guard: reserve.failed, target: 'compensating' } },
};
const endings = {
  compensating: { ...compensation(), onDone: 'compensated' },
  done: { type: 'final' },
  compensated: { type: 'final', tags: [SagaTags.compensated] },
};

/** Every path of `definition`, checked; those that broke a rule, by path name. */
function brokenPaths(definition: SagaDefinition): Map<string, PathCheck> {
  const checks = everyPath(definition).paths.map((path) => checkPath(definition, path));
  return new Map(checks.filter((check) => check.violations.length).map((check) => [check.path.name, check]));
}

describe('A correct saga', () => {
  it('keeps every rule on every path', () => {
    const correct = saga('correct', {
      reserving,
      charging: { entry: charge.send, on: { Charged: 'done', Declined: 'compensating', StepFailed: { guard: charge.failed, target: 'compensating' } } },
      ...endings,
    });
    const result = everyPath(correct);
    expect(result.paths.length).toBeGreaterThan(10);
    expect(brokenPaths(correct)).toEqual(new Map());
  });
});

describe('A compensation skipped on one path', () => {
  // The bug: when the charge fails for good, the machine ends "compensated" without entering compensation().
  const skipping = saga('skips-undo', {
    reserving,
    charging: { entry: charge.send, on: { Charged: 'done', Declined: 'compensating', StepFailed: { guard: charge.failed, target: 'compensated' } } },
    ...endings,
  });

  it('is reported on the paths through it only, naming the path and the rule', () => {
    const broken = brokenPaths(skipping);
    // The charge failed for good, refused (CommandFailed) or given up on (transient, outcome unknown: the engine
    // undoes it after the machine ended, but not the reservation). A path still stuck on that undo has not ended.
    const throughTheBug = everyPath(skipping).paths.filter((path) => path.name.startsWith('Reserved(reserve) → CommandFailed') && path.end !== 'stuck');
    expect([...broken.keys()].sort()).toEqual(throughTheBug.map((path) => path.name).sort());
    expect(broken.size).toBe(6);
    for (const check of broken.values()) {
      expect(check.violations.map((v) => v.detail)).toEqual(['the saga ended compensated and reserve (Reserve completed) was never compensated']);
    }
    const check = broken.get('Reserved(reserve) → CommandFailed(charge)')!;
    expect(check.violations).toEqual([
      {
        invariant: 'compensatedOnce',
        rule: 'every step that completed, or whose outcome is unknown, is compensated exactly once when the saga does not complete',
        detail: 'the saga ended compensated and reserve (Reserve completed) was never compensated',
        atInput: 2,
      },
    ]);
    expect(check.message).toBe(
      [
        'skips-undo@1, path ending compensated: Reserved(reserve) → CommandFailed(charge)',
        'broke 1 rule(s):',
        '  - compensatedOnce (every step that completed, or whose outcome is unknown, is compensated exactly once when the saga does not complete): ' +
          'the saga ended compensated and reserve (Reserve completed) was never compensated [after input 2 of 2]',
      ].join('\n'),
    );
  });

  it('also when the saga compensates by hand and forgets one step on one branch', () => {
    const byHand = saga('undoes-by-hand', {
      reserving: { entry: reserve.send, on: { Reserved: 'charging', Refused: 'compensated', StepFailed: 'compensated' } },
      charging: {
        entry: charge.send,
        on: {
          Charged: 'done',
          Declined: 'released',
          // The bug: this branch forgets to release the stock.
          StepFailed: { guard: charge.failed, target: 'refunded' },
        },
      },
      released: { type: 'final', tags: [SagaTags.compensated], entry: releaseByHand },
      refunded: { type: 'final', tags: [SagaTags.compensated], entry: refundByHand },
      done: { type: 'final' },
      compensated: { type: 'final', tags: [SagaTags.compensated] },
    });
    const broken = brokenPaths(byHand);
    expect([...broken.keys()].every((name) => name.startsWith('Reserved(reserve) → CommandFailed'))).toBe(true);
    expect(broken.get('Reserved(reserve) → CommandFailed(charge)')!.violations).toMatchObject([
      { invariant: 'compensatedOnce', detail: 'the saga ended compensated and reserve (Reserve completed) was never compensated', atInput: 2 },
    ]);
    // The charge given up on (outcome unknown) is refunded twice: by hand, and by the engine, which undoes it after the machine ended.
    expect(broken.get('Reserved(reserve) → CommandFailed[transient](charge) → Refunded(charge.compensation)')!.violations).toMatchObject([
      { invariant: 'compensatedOnce', detail: 'charge was compensated 2 times (Refund under 2 message ids)', atInput: 2 },
      { invariant: 'compensatedOnce', detail: 'the saga ended compensated and reserve (Reserve completed) was never compensated', atInput: 3 },
    ]);
  });
});

describe('The other rules', () => {
  /** The rules broken on every path, by rule. */
  const rulesBroken = (definition: SagaDefinition) => [...new Set([...brokenPaths(definition).values()].flatMap((c) => c.violations.map((v) => v.invariant)))];

  it('newest first: undoing the older step first is reported', () => {
    const oldestFirst = saga('oldest-first', {
      reserving,
      charging: { entry: charge.send, on: { Charged: 'charged', Declined: 'compensating', StepFailed: { guard: charge.failed, target: 'compensating' } } },
      charged: { on: { Cancel: 'undone' } },
      undone: { type: 'final', tags: [SagaTags.compensated], entry: [releaseByHand, refundByHand] },
      ...endings,
    });
    const broken = brokenPaths(oldestFirst);
    expect(broken.get('Reserved(reserve) → Charged(charge) → signal Cancel')!.message).toContain(
      'newestFirst (compensations run newest first, by the order the steps completed (or were given up on)): charge was undone after reserve, although charge completed after it',
    );
  });

  it('no compensation of a command never sent', () => {
    const refundsNothing = saga('refunds-nothing', {
      reserving: { entry: reserve.send, on: { Reserved: 'charging', Refused: 'refunded', StepFailed: 'refunded' } },
      charging: { entry: charge.send, on: { Charged: 'done', Declined: 'compensating', StepFailed: 'compensating' } },
      refunded: { type: 'final', tags: [SagaTags.compensated], entry: refundByHand },
      ...endings,
    });
    expect(brokenPaths(refundsNothing).get('Refused(reserve)')!.violations).toMatchObject([
      { invariant: 'noUndoWithoutCommand', detail: 'Refund was sent, but charge never sent its command' },
    ]);
  });

  it('no command sent twice under new message ids', () => {
    const resends = saga('resends', {
      // The bug: Cancel starts the reservation over (once), under a new message id.
      reserving: {
        ...reserving,
        on: { ...reserving.on, Cancel: { guard: ({ context }: { context: Ctx }) => !context.at, target: 'reserving', reenter: true, actions: assign({ at: 'again' }) } },
      },
      charging: { entry: charge.send, on: { Charged: 'done', Declined: 'compensating', StepFailed: 'compensating' } },
      ...endings,
    });
    // The reservation given up on is undone by the engine after the saga completed (its outcome is unknown).
    expect(brokenPaths(resends).get('signal Cancel → Reserved(reserve) → Charged(charge) → Released(reserve.compensation)')!.violations).toMatchObject([
      { invariant: 'sentOnce', detail: 'Reserve was sent again under a new message id, with the same payload {"item":"sample"}', atInput: 1 },
    ]);
  });

  it('the snapshot comes back the same from JSON', () => {
    const dated = saga('dated', {
      reserving: { ...reserving, on: { ...reserving.on, Reserved: { target: 'charging', actions: assign({ at: () => new Date(0) }) } } },
      charging: { entry: charge.send, on: { Charged: 'done', Declined: 'compensating', StepFailed: 'compensating' } },
      ...endings,
    });
    expect(brokenPaths(dated).get('Reserved(reserve) → Charged(charge)')!.violations).toMatchObject([
      { invariant: 'jsonRoundTrip', detail: 'step 2: the snapshot at /context/at: a Date comes back as a string', atInput: 1 },
    ]);
  });

  it('the saga ends, or is stuck: a state with no way on is a dead end', () => {
    const waitsForever = saga('waits-forever', {
      reserving,
      charging: { entry: charge.send, on: { Charged: 'waiting', Declined: 'compensating', StepFailed: 'compensating' } },
      waiting: {},
      ...endings,
    });
    const result = everyPath(waitsForever);
    expect(result.ends['dead-end']).toBe(1);
    expect(brokenPaths(waitsForever).get('Reserved(reserve) → Charged(charge)')!.violations).toMatchObject([
      { invariant: 'ends', detail: 'it stops running with nothing in flight, no timer armed and no signal it accepts' },
    ]);
  });

  it('the engine takes every input: an action that throws is reported with the path', () => {
    const throws = saga('throws', {
      reserving,
      charging: {
        entry: charge.send,
        on: {
          Charged: {
            target: 'done',
            actions: () => {
              throw new Error('the action failed');
            },
          },
          Declined: 'compensating',
          StepFailed: 'compensating',
        },
      },
      ...endings,
    });
    const result = everyPath(throws);
    expect(result.ends.refused).toBe(1);
    const [check] = [...brokenPaths(throws).values()];
    expect(check.path.name).toBe('Reserved(reserve) → Charged(charge)');
    expect(check.violations).toMatchObject([{ invariant: 'engineAccepts', atInput: 2 }]);
    expect(check.violations[0].detail).toMatch(/^Charged was refused: .*the action failed/);
    expect(rulesBroken(throws)).toEqual(['engineAccepts']);
  });
});

describe('The paths generated', () => {
  /** Every path of the saga's whole tree of inputs, nothing merged (small sagas only): as paths checkPath runs. */
  function wholeTree(definition: SagaDefinition): SagaPath[] {
    const input = { item: 'sample' };
    const paths: SagaPath[] = [];
    const grow = (harness: SagaTestHarness, inputs: PathInput[]) => {
      const next = endsPath(harness.status) ? [] : possibleInputs(harness, { operator: false });
      let went = false;
      for (const candidate of next) {
        const fork = harness.fork();
        let accepted: boolean;
        try {
          accepted = applyInput(fork, candidate);
        } catch {
          paths.push({ saga: `${definition.name}@1`, name: describePath([...inputs, candidate]), input, inputs: [...inputs, candidate], end: 'refused', state: harness.state });
          went = true;
          continue;
        }
        if (!accepted) continue;
        went = true;
        grow(fork, [...inputs, candidate]);
      }
      if (!went) paths.push({ saga: `${definition.name}@1`, name: describePath(inputs), input, inputs, end: endsPath(harness.status) ? harness.status : 'dead-end', state: harness.state });
    };
    grow(SagaTestHarness.start(definition, input, SAGA_ID, explorationEngine()), []);
    return paths;
  }
  const brokenRules = (definition: SagaDefinition, paths: readonly SagaPath[]) =>
    new Set(paths.flatMap((path) => checkPath(definition, path).violations.map((v) => `${v.invariant}: ${v.detail}`)));

  const skipping = saga('skips-undo', {
    reserving,
    charging: { entry: charge.send, on: { Charged: 'done', Declined: 'compensating', StepFailed: { guard: charge.failed, target: 'compensated' } } },
    ...endings,
  });
  const oldestFirst = saga('oldest-first', {
    reserving,
    charging: { entry: charge.send, on: { Charged: 'charged', Declined: 'compensating', StepFailed: 'compensated' } },
    charged: { on: { Cancel: 'undone' } },
    undone: { type: 'final', tags: [SagaTags.compensated], entry: [releaseByHand, refundByHand] },
    ...endings,
  });
  const cancelAnywhere = saga('cancel-anywhere', {
    reserving: { ...reserving, on: { ...reserving.on, Cancel: 'compensating' } },
    charging: { entry: charge.send, on: { Charged: 'done', Declined: 'compensating', StepFailed: 'compensating', Cancel: 'compensated' } },
    ...endings,
  });

  it.each([skipping, oldestFirst, cancelAnywhere])('break every rule that any path of the whole tree breaks, in fewer paths: $name', (definition) => {
    const tree = wholeTree(definition);
    const covered = everyPath(definition, { operator: false }).paths;
    expect(covered.length).toBeLessThanOrEqual(tree.length);
    expect(brokenRules(definition, tree).size).toBeGreaterThan(0);
    expect(brokenRules(definition, covered)).toEqual(brokenRules(definition, tree));
    // Every way the whole tree ends, the generated paths end too.
    expect(new Set(covered.map((path) => path.end))).toEqual(new Set(tree.map((path) => path.end)));
  });
});
