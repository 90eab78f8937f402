import { DependencyUnavailableError } from '@baton/core';
import { toProblem } from './problem-details.filter';

describe('toProblem', () => {
  it('answers a database that does not answer with 503, when to retry and what to do, without the driver’s details', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:5432'), { code: 'ECONNREFUSED' });

    const problem = toProblem(refused);

    expect(problem).toEqual({
      type: 'https://baton.dev/problems/database-unavailable',
      title: 'Database unavailable',
      status: 503,
      detail: expect.stringMatching(/Send it again after 5 s \(Retry-After\).*same Idempotency-Key/),
      retryAfter: 5,
    });
    expect(problem!.detail).not.toContain('10.0.0.7');
  });

  it('answers another unavailable dependency with 503 too, with its own Retry-After', () => {
    expect(toProblem(new DependencyUnavailableError('the broker', 2500))).toMatchObject({
      type: 'https://baton.dev/problems/dependency-unavailable',
      status: 503,
      retryAfter: 3,
    });
  });

  it('leaves an unexpected error to the 500 answer', () => {
    expect(toProblem(new Error('bug'))).toBeUndefined();
  });
});
