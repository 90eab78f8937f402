import { compensation, defineSaga, sendCommand } from '@baton/core';
import { enqueueActions, setup } from 'xstate';
import { Notify, Release, Reserve, Refused, Released, Reserved, reserveStep } from './fixtures/fixture-parts';
import { lintSagas } from './lint-sagas';
import { chartOf } from './saga-chart';

const input = Reserve.schema;

describe('A saga chart', () => {
  it("reads actions and guards named in setup(): a step's send, sendCommand, compensation(), a step's failed guard", () => {
    const step = reserveStep();
    const machine = setup({
      types: { context: {} as { orderId: string }, input: {} as { orderId: string }, events: {} as { type: string } },
      actions: { reserve: step.send, notify: sendCommand(Notify, ({ context }: any) => ({ orderId: context.orderId })) },
      guards: { reserveFailed: step.failed },
    }).createMachine({
      id: 'named',
      context: ({ input }) => ({ orderId: input.orderId }),
      initial: 'reserving',
      states: {
        reserving: { entry: 'reserve', on: { Reserved: 'reserved', Refused: 'failed', StepFailed: { guard: 'reserveFailed', target: 'compensating' } } },
        reserved: { type: 'final', entry: { type: 'notify' }, meta: { baton: { lint: { 'compensation/fire-and-forget': 'a notice cannot be unsent' } } } },
        compensating: { ...compensation(), onDone: 'failed' },
        failed: { type: 'final' },
      },
    });
    const saga = defineSaga({ name: 'named', version: 1, input, commands: [Reserve, Release, Notify], events: [Reserved, Refused, Released], steps: [step], machine });
    const chart = chartOf(saga);
    const node = (path: string) => chart.nodes.find((n) => n.path === path)!;

    expect(node('reserving').entry).toEqual([{ kind: 'step', step }]);
    expect(node('reserved').entry).toEqual([{ kind: 'command', command: 'Notify' }]);
    expect(node('compensating.undoing').entry).toEqual([{ kind: 'compensate' }]);
    expect(chart.failedGuards.get(node('reserving').transitions.find((t) => t.event === 'StepFailed')!.guard)).toBe('reserveStock');
    expect(lintSagas([saga])).toEqual([]);
  });

  it('names the states lint cannot read (enqueueActions), and lint warns of them', () => {
    const step = reserveStep();
    const machine = setup({ types: { context: {} as { orderId: string }, input: {} as { orderId: string }, events: {} as { type: string } } }).createMachine({
      id: 'opaque',
      context: ({ input }) => ({ orderId: input.orderId }),
      initial: 'reserving',
      states: {
        reserving: {
          entry: enqueueActions(({ enqueue }) => enqueue(step.send)),
          on: { Reserved: 'done', Refused: 'done', StepFailed: { guard: step.failed, target: 'done' } },
        },
        done: { type: 'final' },
      },
    });
    const saga = defineSaga({ name: 'opaque', version: 1, input, commands: [Reserve, Release], events: [Reserved, Refused, Released], steps: [step], machine });

    expect(chartOf(saga).opaque.map((n) => n.path)).toEqual(['reserving']);
    expect(lintSagas([saga]).map((f) => [f.rule, f.state])).toEqual(
      expect.arrayContaining([
        ['lint/incomplete', 'reserving'],
        // The step is not seen in flight, so its replies never come: the false finding the warning speaks of.
        ['reachability/dead-end', 'reserving'],
      ]),
    );
  });
});
