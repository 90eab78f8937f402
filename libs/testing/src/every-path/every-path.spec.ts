import { SagaTags, command, compensation, defineSaga, event, sagaStep, type SagaEvent } from '@baton/core';
import { setup } from 'xstate';
import { z } from 'zod';
import { describeEveryPath } from './describe-every-path';
import { checkPath, everyPath } from './every-path';

const Reserve = command('Reserve', { participant: 'stock', schema: z.object({ item: z.string(), quantity: z.number().int().positive() }) });
const Release = command('Release', { participant: 'stock', schema: z.object({ item: z.string() }) });
const Reserved = event('Reserved', { schema: z.object({ reservationId: z.uuid() }) });
const Refused = event('Refused', { schema: z.object({ reason: z.string() }) });
const Released = event('Released', { schema: z.object({}) });
const Cancel = event('Cancel', { schema: z.object({ by: z.string() }), signal: true });

interface Ctx {
  item: string;
  quantity: number;
  reservationId?: string;
}

const reserve = sagaStep<Ctx, typeof Reserve, typeof Release>({
  name: 'reserve',
  command: Reserve,
  payload: ({ context }) => ({ item: context.item, quantity: context.quantity }),
  completedBy: [Reserved],
  refusedBy: [Refused],
  retry: { maxAttempts: 2, initialDelayMs: 100, replyTimeoutMs: 1_000 },
  compensation: { command: Release, payload: ({ command }) => ({ item: command.item }), confirmedBy: Released },
});

/** One step, undone when it is refused, fails, or an operator cancels while it runs. */
const oneStep = defineSaga({
  name: 'one-step',
  version: 3,
  input: z.object({ item: z.string().min(1), quantity: z.number().int().positive() }),
  commands: [Reserve, Release],
  events: [Reserved, Refused, Released, Cancel],
  steps: [reserve],
  machine: setup({ types: { context: {} as Ctx, input: {} as { item: string; quantity: number }, events: {} as SagaEvent } }).createMachine({
    id: 'one-step',
    context: ({ input }) => ({ item: input.item, quantity: input.quantity }),
    initial: 'reserving',
    states: {
      reserving: {
        entry: reserve.send,
        on: { Reserved: 'done', Refused: 'compensating', StepFailed: 'compensating', Cancel: 'compensating' },
      },
      compensating: { ...compensation(), onDone: 'compensated' },
      done: { type: 'final' },
      compensated: { type: 'final', tags: [SagaTags.compensated] },
    },
  }),
});

const named = (result: ReturnType<typeof everyPath>) => result.paths.map((path) => `${path.end}: ${path.name}`);

describe('everyPath', () => {
  const result = everyPath(oneStep);

  it('takes every input of every situation the engine reaches, and names the saga and how many paths end each way', () => {
    expect(result).toMatchObject({
      saga: 'one-step@3',
      situations: 9,
      transitions: 25,
      ends: { completed: 3, compensated: 14, stuck: 2 },
      input: { item: 'sample', quantity: 1 },
    });
    expect(result.paths).toHaveLength(19);
    expect(named(result)).toEqual(
      expect.arrayContaining([
        // Each reply, at once.
        'completed: Reserved(reserve)',
        'compensated: Refused(reserve)',
        // A participant's CommandFailed: transient (retried after 100 ms), or not (the step fails, nothing to undo).
        'compensated: CommandFailed(reserve)',
        'completed: CommandFailed[transient](reserve) → +100ms[retry reserve] → Reserved(reserve)',
        // No answer: the reply timeout, a retry, no answer again: the step is given up on, its outcome unknown, and undone.
        'compensated: CommandFailed[transient](reserve) → +100ms[retry reserve] → +1000ms[reply-timeout reserve] → Released(reserve.compensation)',
        // The operator's signal while the step runs: it is undone as if it took effect.
        'compensated: signal Cancel → Released(reserve.compensation)',
        // The undo fails for good: stuck; then an operator retries it or resolves it by hand.
        'stuck: signal Cancel → CommandFailed(reserve.compensation)',
        'compensated: signal Cancel → CommandFailed(reserve.compensation) → signal RetryCompensation → Released(reserve.compensation)',
        'compensated: signal Cancel → CommandFailed(reserve.compensation) → signal ResolveCompensation',
      ]),
    );
    expect(new Set(named(result)).size).toBe(19);
  });

  it('gives each path what it needs to run again: the input, and payloads sampled from the contracts', () => {
    const path = result.paths.find((p) => p.name === 'Reserved(reserve)')!;
    expect(path).toMatchObject({ saga: 'one-step@3', end: 'completed', state: 'done', input: { item: 'sample', quantity: 1 } });
    expect(path.inputs).toEqual([{ kind: 'reply', to: 'reserve', type: 'Reserved', payload: { reservationId: '00000000-0000-4000-8000-000000000000' } }]);
    expect(result.paths.every((p) => checkPath(oneStep, p).violations.length === 0)).toBe(true);
  });

  it('takes the input and the payloads it is given', () => {
    const given = everyPath(oneStep, { input: { item: 'lamp', quantity: 2 }, samples: { Cancel: { by: 'ops' } } });
    const cancelled = given.paths.find((p) => p.name === 'signal Cancel → Released(reserve.compensation)')!;
    expect(cancelled.input).toEqual({ item: 'lamp', quantity: 2 });
    expect(cancelled.inputs[0]).toEqual({ kind: 'signal', type: 'Cancel', payload: { by: 'ops' } });
  });

  it('without the operator, ends where a compensation is stuck', () => {
    const alone = everyPath(oneStep, { operator: false });
    expect(alone.ends).toEqual({ completed: 3, compensated: 10, stuck: 2 });
    expect(named(alone).some((name) => name.includes('signal RetryCompensation'))).toBe(false);
  });

  it('reports a path cut by maxInputs as one that does not end, and refuses to explore past maxStates', () => {
    const short = everyPath(oneStep, { maxInputs: 2 });
    const cut = short.paths.find((p) => p.end === 'cut')!;
    expect(cut.inputs).toHaveLength(2);
    expect(checkPath(oneStep, cut).violations).toMatchObject([{ invariant: 'ends', detail: expect.stringMatching(/^it is still \w+ after 2 inputs \(raise maxInputs/) }]);
    expect(() => everyPath(oneStep, { maxStates: 4 })).toThrow(
      /^everyPath\(one-step@3\): more than 4 situations \(at .*, \d inputs in\); raise maxStates, or give the saga fewer retries for the test/,
    );
  });

  it('says which schema it cannot sample, and takes a sample for it instead', () => {
    const Tagged = event('Tagged', { schema: z.object({ code: z.string().regex(/^[A-Z]{3}$/) }) });
    const tagging = defineSaga({
      ...oneStep,
      name: 'tagging',
      commands: [...oneStep.commands.values()],
      events: [...oneStep.events.values(), Tagged],
      steps: [reserve],
      machine: setup({ types: { context: {} as Ctx, input: {} as { item: string; quantity: number }, events: {} as SagaEvent } }).createMachine({
        id: 'tagging',
        context: ({ input }) => ({ item: input.item, quantity: input.quantity }),
        initial: 'reserving',
        states: { reserving: { entry: reserve.send, on: { Reserved: 'done', Tagged: 'done', StepFailed: 'done', Refused: 'done' } }, done: { type: 'final' } },
      }),
    });
    expect(() => everyPath(tagging)).toThrow('samplePayload: cannot sample a zod string matching /^[A-Z]{3}$/ at Tagged.code');
    expect(named(everyPath(tagging, { samples: { Tagged: { code: 'ABC' } } }))).toContain('completed: signal Tagged → Released(reserve.compensation)');
  });
});

describe('describeEveryPath', () => {
  /** Runs `register` with recording stand-ins for the test framework's describe and it. */
  function registered(register: () => void): { suites: string[]; tests: { name: string; body: () => void }[] } {
    const saved = { describe: (globalThis as any).describe, it: (globalThis as any).it };
    const suites: string[] = [];
    const tests: { name: string; body: () => void }[] = [];
    Object.assign(globalThis, {
      describe: (name: string, body: () => void) => {
        suites.push(name);
        body();
      },
      it: (name: string, body: () => void) => tests.push({ name, body }),
    });
    try {
      register();
    } finally {
      Object.assign(globalThis, saved);
    }
    return { suites, tests };
  }

  it('registers one suite named with the saga and its count of paths, and one test per path that checks it', () => {
    const { suites, tests } = registered(() => describeEveryPath(oneStep, { log: false }));
    expect(suites).toEqual(['one-step@3: 19 paths (completed 3, compensated 14, stuck 2)']);
    expect(tests.map((t) => t.name)).toEqual(named(everyPath(oneStep)).map((name) => `ends ${name}`));
    for (const test of tests) expect(test.body).not.toThrow();
  });

  it('or one test per way the paths end', () => {
    const { tests } = registered(() => describeEveryPath(oneStep, { testPer: 'end', log: false }));
    expect(tests.map((t) => t.name)).toEqual(['ends completed: 3 paths', 'ends compensated: 14 paths', 'ends stuck: 2 paths']);
  });

  it('fails the test of a path that breaks a rule, naming the path and the rule', () => {
    const skipsUndo = defineSaga({
      ...oneStep,
      name: 'skips-undo',
      commands: [...oneStep.commands.values()],
      events: [...oneStep.events.values()],
      steps: [reserve],
      machine: setup({ types: { context: {} as Ctx, input: {} as { item: string; quantity: number }, events: {} as SagaEvent } }).createMachine({
        id: 'skips-undo',
        context: ({ input }) => ({ item: input.item, quantity: input.quantity }),
        initial: 'reserving',
        states: {
          reserving: { entry: reserve.send, on: { Reserved: 'reserved', Refused: 'compensated', StepFailed: 'compensated', Cancel: 'compensated' } },
          // The bug: a cancel after the reservation ends "compensated" without undoing it.
          reserved: { on: { Cancel: 'compensated' } },
          compensated: { type: 'final', tags: [SagaTags.compensated] },
        },
      }),
    });
    const { tests } = registered(() => describeEveryPath(skipsUndo, { log: false }));
    const failing = tests.filter((test) => {
      try {
        test.body();
        return false;
      } catch {
        return true;
      }
    });
    // Every path through the bug: the reservation made at once, or after a retry.
    expect(failing.map((t) => t.name)).toEqual([
      'ends compensated: Reserved(reserve) → signal Cancel',
      'ends compensated: CommandFailed[transient](reserve) → Reserved(reserve) → signal Cancel',
      'ends compensated: CommandFailed[transient](reserve) → +100ms[retry reserve] → Reserved(reserve) → signal Cancel',
    ]);
    expect(tests.length - failing.length).toBeGreaterThan(5);
    expect(failing[0].body).toThrow(
      [
        '1 of 1 path(s) broke a rule:',
        '',
        'skips-undo@3, path ending compensated: Reserved(reserve) → signal Cancel',
        'broke 1 rule(s):',
        '  - compensatedOnce (every step that completed, or whose outcome is unknown, is compensated exactly once when the saga does not complete): ' +
          'the saga ended compensated and reserve (Reserve completed) was never compensated [after input 2 of 2]',
      ].join('\n'),
    );
  });

  it('says where it must be called when there is no test framework', () => {
    const saved = (globalThis as any).describe;
    (globalThis as any).describe = undefined;
    try {
      expect(() => describeEveryPath(oneStep)).toThrow('describeEveryPath registers tests with the global describe and it of a test framework (Jest)');
    } finally {
      (globalThis as any).describe = saved;
    }
  });
});
