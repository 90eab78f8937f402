import { setup } from 'xstate';
import { z } from 'zod';
import {
  command,
  compensation,
  defineSaga,
  event,
  InvalidMessageError,
  SagaStepError,
  SagaTags,
  sagaStep,
  type SagaEvent,
} from '@baton/core';
import { SagaTestHarness } from './saga-test-harness';

/**
 * The engine's rules for steps whose outcome is unknown (docs/architecture.md,
 * "Commands in flight and unknown outcomes"), on a small machine: one step,
 * `reserve`, undone by `release`.
 */

const Reserve = command('Reserve', { participant: 'stock', schema: z.object({ item: z.string() }) });
const Release = command('Release', { participant: 'stock', schema: z.object({ item: z.string() }) });
const Notify = command('Notify', { participant: 'mail', schema: z.object({ item: z.string() }) });
const Reserved = event('Reserved', { schema: z.object({}) });
const Refused = event('Refused', { schema: z.object({}) });
const Released = event('Released', { schema: z.object({}) });
const Notified = event('Notified', { schema: z.object({}) });
const Cancel = event('Cancel', { schema: z.object({}) });
const Finish = event('Finish', { schema: z.object({}) });

interface Ctx {
  item: string;
}

const REPLY_TIMEOUT_MS = 1_000;
const retry = { maxAttempts: 2, initialDelayMs: 100, replyTimeoutMs: REPLY_TIMEOUT_MS };

const reserve = sagaStep<Ctx, typeof Reserve, typeof Release>({
  name: 'reserve',
  command: Reserve,
  payload: ({ context }) => ({ item: context.item }),
  completedBy: [Reserved],
  refusedBy: [Refused],
  retry,
  compensation: { command: Release, payload: ({ command }) => ({ item: command.item }), confirmedBy: Released, retry },
});

const notify = sagaStep<Ctx, typeof Notify>({
  name: 'notify',
  command: Notify,
  payload: ({ context }) => ({ item: context.item }),
  completedBy: [Notified],
  retry,
  noCompensation: 'a mail cannot be unsent',
});

const machineSetup = setup({ types: { context: {} as Ctx, input: {} as { item: string }, events: {} as SagaEvent } });

/** reserving → reserved → (Cancel) undo; Finish ends it at once, whatever is in flight. */
const machine = machineSetup.createMachine({
  id: 'm',
  context: ({ input }) => ({ item: input.item }),
  initial: 'reserving',
  states: {
    reserving: { entry: reserve.send, on: { Reserved: 'reserved', Refused: 'undo', StepFailed: 'undo', Cancel: 'undo', Finish: 'finished' } },
    reserved: { on: { Cancel: 'undo' } },
    undo: { ...compensation(), onDone: 'compensated' },
    compensated: { type: 'final', tags: [SagaTags.compensated] },
    finished: { type: 'final' },
  },
});

const saga = defineSaga({
  name: 'unknown-outcomes',
  version: 1,
  input: z.object({ item: z.string() }),
  commands: [Reserve, Release, Notify],
  events: [Reserved, Refused, Released, Notified, Cancel, Finish],
  steps: [reserve, notify],
  machine,
});

const start = () => SagaTestHarness.start(saga, { item: 'lamp' });
const sent = (harness: SagaTestHarness, type: string) => harness.sent.filter((c) => c.type === type);
const lastNote = (harness: SagaTestHarness) => harness.notes[harness.notes.length - 1];

describe('A step declaration', () => {
  const base = { name: 's', command: Reserve, payload: () => ({ item: 'x' }), completedBy: [Reserved] };

  it('must say what undoes the step, or why nothing needs to', () => {
    expect(() => sagaStep(base)).toThrow(
      'Step "s" declares no compensation: add one (what undoes Reserve), or say why none is needed with noCompensation: "<reason>".',
    );
    expect(() =>
      sagaStep({ ...base, noCompensation: 'why', compensation: { command: Release, payload: () => ({ item: 'x' }), confirmedBy: Released } }),
    ).toThrow('declares both a compensation and noCompensation');
  });

  it('must name the replies that say its command took effect', () => {
    expect(() => sagaStep({ ...base, completedBy: [], noCompensation: 'why' })).toThrow('lists no completedBy replies');
  });
});

describe('A step that took effect', () => {
  it('has its compensation armed by the reply that says so, and undone when the machine compensates', () => {
    const harness = start();
    harness.receive('Reserved', {});
    expect(harness.armedCompensations).toEqual(['reserve']);

    harness.receive('Cancel', {});
    const [release] = sent(harness, 'Release');
    expect(release).toMatchObject({ payload: { item: 'lamp' }, compensates: sent(harness, 'Reserve')[0].messageId });
    harness.receive('Released', {}, { causationId: release.messageId });
    expect(harness.status).toBe('compensated');
  });

  it('that was refused has nothing armed and nothing undone', () => {
    const harness = start();
    harness.receive('Refused', {});
    expect(harness.status).toBe('compensated');
    expect(sent(harness, 'Release')).toEqual([]);

    const refusedForGood = start();
    refusedForGood.receive('CommandFailed', { command: 'Reserve', reason: 'no such item', transient: false });
    expect(refusedForGood.status).toBe('compensated');
    expect(sent(refusedForGood, 'Release')).toEqual([]);
  });
});

describe('A step the machine leaves without its answer', () => {
  it('is compensated as if it had succeeded, although the machine armed nothing', () => {
    const harness = start();
    harness.receive('Cancel', {});
    const [reserveCommand] = sent(harness, 'Reserve');
    expect(sent(harness, 'Release')).toMatchObject([{ compensates: reserveCommand.messageId }]);
    expect(harness.notes[0]).toMatch(/^gave up on reserve \(Reserve .*\), the saga left the state that waits for it: its outcome is unknown, so Release .* is armed to undo it$/);
    expect(harness.pendingTimers.has('baton.reply-timeout.reserve')).toBe(false);
  });

  it('recognises a late success by the command it answers, and does not undo it twice', () => {
    const harness = start();
    harness.receive('Cancel', {});
    const [reserveCommand] = sent(harness, 'Reserve');
    expect(harness.receive('Reserved', {}, { causationId: reserveCommand.messageId })).toBe(true);
    expect(lastNote(harness)).toContain('it took effect; Release');
    expect(sent(harness, 'Release')).toHaveLength(1);
  });

  it('is undone by the engine itself when the machine ended with it in flight: compensating until confirmed, then the final status', () => {
    const harness = start();
    harness.receive('Finish', {});
    expect(harness.state).toBe('finished');
    expect(harness.status).toBe('compensating');
    const [release] = sent(harness, 'Release');

    harness.receive('Released', {}, { causationId: release.messageId });
    expect(harness.status).toBe('completed');
    expect(harness.pendingTimers.size).toBe(0);
  });
});

describe('A step without a compensation', () => {
  const waitsForMail = defineSaga({
    name: 'mail',
    version: 1,
    input: z.object({ item: z.string() }),
    commands: [Notify],
    events: [Notified, Finish],
    steps: [notify],
    machine: machineSetup.createMachine({
      id: 'mail',
      context: ({ input }) => ({ item: input.item }),
      initial: 'mailing',
      states: { mailing: { entry: notify.send, on: { Notified: 'done', Finish: 'done' } }, done: { type: 'final' } },
    }),
  });

  it('keeps its effect when its success comes late, and the history says why', () => {
    const harness = SagaTestHarness.start(waitsForMail, { item: 'lamp' });
    harness.receive('Finish', {});
    expect(harness.status).toBe('completed');
    expect(harness.notes[0]).toContain('its outcome is unknown and it has no compensation (a mail cannot be unsent)');

    const [mail] = sent(harness, 'Notify');
    expect(harness.receive('Notified', {}, { causationId: mail.messageId })).toBe(true);
    expect(lastNote(harness)).toContain('it took effect and stays, having no compensation (a mail cannot be unsent)');
  });
});

describe('A reply', () => {
  it('settles only the command its causation id names', () => {
    const harness = start();
    expect(harness.receive('Reserved', {}, { causationId: 'another-command' })).toBe(false);
    expect(harness.armedCompensations).toEqual([]);
    expect(harness.state).toBe('reserving');
  });

  it('of a type only the engine makes is refused from outside', () => {
    const harness = start();
    for (const type of ['StepFailed', 'CompensationsCompleted']) {
      const stepFailed = { step: 'reserve', command: 'Reserve', reason: 'forged', attempts: 1 };
      expect(() => harness.receive(type, type === 'StepFailed' ? stepFailed : {})).toThrow(InvalidMessageError);
      expect(() => harness.receive(type, type === 'StepFailed' ? stepFailed : {})).toThrow(`${type} is made by the engine only`);
    }
  });
});

describe('A machine that breaks the rules of steps', () => {
  it('fails the step when it sends a step from a state that waits for none of its replies', () => {
    const deaf = defineSaga({
      name: 'deaf',
      version: 1,
      input: z.object({ item: z.string() }),
      commands: [Reserve, Release],
      events: [Finish, Reserved, Refused, Released],
      steps: [reserve],
      machine: machineSetup.createMachine({
        id: 'deaf',
        context: ({ input }) => ({ item: input.item }),
        initial: 'a',
        states: { a: { entry: reserve.send, on: { Finish: 'b' } }, b: { type: 'final' } },
      }),
    });
    expect(() => SagaTestHarness.start(deaf, { item: 'x' })).toThrow(SagaStepError);
    expect(() => SagaTestHarness.start(deaf, { item: 'x' })).toThrow(
      'it sends Reserve for step "reserve" from a state that accepts none of its replies (Reserved, Refused)',
    );
  });

  it('fails the step when a compensation payload breaks its contract, as the forward command is sent', () => {
    const badUndo = sagaStep<Ctx, typeof Reserve, typeof Release>({
      ...{ name: 'reserve', command: Reserve, payload: ({ context }) => ({ item: context.item }), completedBy: [Reserved] },
      compensation: { command: Release, payload: () => ({ item: 42 }) as any, confirmedBy: Released },
    });
    const bad = defineSaga({
      name: 'bad-undo',
      version: 1,
      input: z.object({ item: z.string() }),
      commands: [Reserve, Release],
      events: [Reserved, Released],
      steps: [badUndo],
      machine: machineSetup.createMachine({
        id: 'bad',
        context: ({ input }) => ({ item: input.item }),
        initial: 'a',
        states: { a: { entry: badUndo.send, on: { Reserved: 'b' } }, b: { type: 'final' } },
      }),
    });
    expect(() => SagaTestHarness.start(bad, { item: 'x' })).toThrow('the compensation of step "reserve", command Release has an invalid payload: item:');
  });
});

describe('A compensation', () => {
  it('is sent again under the message id it was armed with when it is not answered, then waits for an operator', () => {
    const harness = start();
    harness.receive('Reserved', {});
    harness.receive('Cancel', {});
    harness.advance(REPLY_TIMEOUT_MS * 2 + 100);

    const releases = sent(harness, 'Release');
    expect(releases.map((c) => c.attempt)).toEqual([1, 2]);
    expect(new Set(releases.map((c) => c.messageId)).size).toBe(1);
    expect(harness.status).toBe('stuck');
  });
});
