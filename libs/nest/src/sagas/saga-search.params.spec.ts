import type { SagaRegistry } from '@baton/core';
import { ProblemException } from '../http/problem.exception';
import { sagaSearchParams } from './saga-search.params';

const registry = {
  latest: (name: string) => (name === 'orders' ? {} : undefined),
  names: () => ['orders'],
  versions: () => [1, 2],
  // v2 ends in "archived" too; both end in "completed".
  get: (_name: string, version: number) => ({
    machine: { root: { states: { securing: { type: 'parallel' }, completed: { type: 'final' }, ...(version === 2 ? { archived: { type: 'final' } } : {}) } } },
  }),
} as unknown as SagaRegistry;

function problemOf(query: Record<string, unknown>) {
  try {
    sagaSearchParams(query, registry);
  } catch (error) {
    expect(error).toBeInstanceOf(ProblemException);
    return (error as ProblemException).problem as Record<string, unknown>;
  }
  throw new Error(`${JSON.stringify(query)} was accepted`);
}

describe('sagaSearchParams', () => {
  it('reads every filter', () => {
    expect(
      sagaSearchParams(
        {
          name: 'orders',
          version: '2',
          status: 'stuck',
          state: 'securing.payment.authorizing',
          startedAfter: '2026-01-01',
          startedBefore: '2026-01-02T10:00:00Z',
          updatedAfter: '2026-01-01T10:00:00.123+02:00',
          updatedBefore: '2026-01-03T00:00',
          correlationId: 'c-1',
          key: 'k-1',
          'input.orderId': 'o-1',
          'input.customer.id': '42',
          limit: '10',
        },
        registry,
      ),
    ).toEqual({
      name: 'orders',
      version: 2,
      status: 'stuck',
      state: ['securing', 'payment', 'authorizing'],
      stateNotFinal: true,
      startedAfter: new Date('2026-01-01'),
      startedBefore: new Date('2026-01-02T10:00:00Z'),
      updatedAfter: new Date('2026-01-01T10:00:00.123+02:00'),
      updatedBefore: new Date('2026-01-03T00:00'),
      correlationId: 'c-1',
      idempotencyKey: 'k-1',
      input: [
        { path: ['orderId'], value: 'o-1' },
        { path: ['customer', 'id'], value: '42' },
      ],
    });
  });

  it('tells a state no saga ends in (only unended or parked sagas can be in it) from a final one of any version', () => {
    expect(sagaSearchParams({ state: 'securing' }, registry)).toEqual({ state: ['securing'], stateNotFinal: true });
    expect(sagaSearchParams({ state: 'completed' }, registry)).toEqual({ state: ['completed'], stateNotFinal: false });
    expect(sagaSearchParams({ name: 'orders', state: 'archived' }, registry)).toEqual({ name: 'orders', state: ['archived'], stateNotFinal: false });
  });

  it('reads no filter as no filter', () => {
    expect(sagaSearchParams({}, registry)).toEqual({});
  });

  it.each([
    [{ version: '1' }, 'version'],
    [{ name: 'orders', version: '1.5' }, 'version'],
    [{ name: 'orders', version: '-1' }, 'version'],
    [{ state: '.securing' }, 'state'],
    [{ state: 'securing payment' }, 'state'],
    [{ startedAfter: '1700000000' }, 'startedAfter'],
    [{ startedBefore: '2026-02-30T25:00:00Z' }, 'startedBefore'],
    [{ updatedAfter: 'now' }, 'updatedAfter'],
    [{ updatedBefore: '2026-02-30T10:00:00Z' }, 'updatedBefore'],
    [{ key: ['a', 'b'] }, 'key'],
    [{ 'input.a..b': 'x' }, 'input.a..b'],
    [{ input: { orderId: 'o-1' } }, 'input'],
    [{ status: 'done' }, 'status'],
    [{ name: 'nope' }, 'name'],
  ])('refuses %j, naming the parameter', (query, parameter) => {
    const problem = problemOf(query);
    expect(problem).toEqual(expect.objectContaining({ status: 400, parameter, detail: expect.stringMatching(/\S/) }));
  });
});
