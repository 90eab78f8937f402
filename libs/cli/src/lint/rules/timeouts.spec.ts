import { AbortRequested, compensation, event, sagaStep } from '@baton/core';
import { z } from 'zod';
import { Release, Reserve, Refused, Released, Reserved, compensating, fixtureSaga, reserveStep, retry } from '../fixtures/fixture-parts';
import { lintSagas } from '../lint-sagas';

const Approved = event('Approved', { schema: z.object({ by: z.string() }), signal: true });
const Rejected = event('Rejected', { schema: z.object({ by: z.string() }), signal: true });
const where = (findings: ReturnType<typeof lintSagas>) => findings.map((f) => [f.rule, f.state]);
const parts = (step = reserveStep(), events: any[] = []) => ({ commands: [Reserve, Release], events: [Reserved, Refused, Released, ...events], steps: [step] });

describe('timeout/missing', () => {
  it('takes a deadline on a state above the one that waits', () => {
    const step = reserveStep({ maxAttempts: 3 });
    const saga = fixtureSaga(
      'timeouts',
      {
        initial: 'securing',
        states: {
          securing: {
            initial: 'reserving',
            after: { 30_000: 'compensating' },
            states: {
              reserving: { entry: step.send, on: { Reserved: 'reserved', Refused: 'refused', StepFailed: { guard: step.failed, target: 'refused' } } },
              reserved: { type: 'final' },
              refused: { type: 'final' },
            },
            onDone: 'done',
          },
          done: { type: 'final' },
          compensating,
          failed: { type: 'final' },
        },
      },
      parts(step),
    );

    expect(lintSagas([saga])).toEqual([]);
  });

  it("takes a deadline in another region of a parallel state that leaves it, not one that stays inside", () => {
    const step = reserveStep({ maxAttempts: 3 });
    const sagaWithClock = (clockTarget: string) =>
      fixtureSaga(
        'timeouts',
        {
          initial: 'securing',
          states: {
            securing: {
              type: 'parallel',
              states: {
                stock: {
                  initial: 'reserving',
                  states: {
                    reserving: { entry: step.send, on: { Reserved: 'reserved', Refused: 'reserved', StepFailed: { guard: step.failed, target: 'reserved' } } },
                    reserved: { type: 'final' },
                  },
                },
                clock: {
                  initial: 'ticking',
                  states: { ticking: { always: { guard: 'confirmed', target: 'rang' }, after: { 30_000: clockTarget } }, rang: { type: 'final' } },
                },
              },
              onDone: 'done',
            },
            done: { type: 'final' },
            compensating,
            failed: { type: 'final' },
          },
        },
        parts(step),
      );

    expect(where(lintSagas([sagaWithClock('#timeouts.compensating')]))).toEqual([]);
    // (The clock that stays inside also leaves compensating and failed unreachable.)
    expect(where(lintSagas([sagaWithClock('rang')])).filter(([rule]) => rule === 'timeout/missing')).toEqual([
      ['timeout/missing', 'securing.stock.reserving'],
    ]);
  });

  it('finds a state that only an operator can move on, and takes one with a deadline', () => {
    const waitingFor = (after: object) =>
      fixtureSaga(
        'timeouts',
        {
          initial: 'approving',
          states: {
            approving: { on: { Approved: 'reserving', Rejected: 'failed', AbortRequested: 'failed' }, ...after },
            reserving: { entry: reserveStep().send, on: { Reserved: 'done', Refused: 'failed', StepFailed: 'compensating' } },
            done: { type: 'final' },
            compensating,
            failed: { type: 'final' },
          },
        },
        parts(reserveStep(), [Approved, Rejected, AbortRequested]),
      );
    const findings = lintSagas([waitingFor({})]);

    expect(where(findings)).toEqual([['timeout/missing', 'approving']]);
    expect(findings[0].message).toBe(
      "approving waits for an operator's signal (Approved, Rejected and AbortRequested) with no deadline: if nobody sends one the saga waits for ever",
    );
    expect(lintSagas([waitingFor({ after: { 86_400_000: 'failed' } })])).toEqual([]);
  });

  it('finds a compensation() state whose compensations have no reply timeout', () => {
    const step = sagaStep<any, typeof Reserve, typeof Release>({
      name: 'reserveStock',
      command: Reserve,
      payload: () => ({ orderId: 'o' }),
      completedBy: [Reserved],
      refusedBy: [Refused],
      retry,
      compensation: { command: Release, payload: () => ({ orderId: 'o' }), confirmedBy: Released, retry: { maxAttempts: 5 } },
    });
    const saga = fixtureSaga(
      'timeouts',
      {
        initial: 'reserving',
        states: {
          reserving: { entry: step.send, on: { Reserved: 'done', Refused: 'failed', StepFailed: { guard: step.failed, target: 'undoing' } } },
          undoing: { ...compensation(), onDone: 'failed' },
          done: { type: 'final' },
          failed: { type: 'final' },
        },
      },
      parts(step),
    );
    const findings = lintSagas([saga]);

    expect(where(findings)).toEqual([['timeout/missing', 'undoing.undoing']]);
    expect(findings[0].fix).toBe('give each compensation retry: { replyTimeoutMs, maxAttempts }: reserveStock');
  });
});
