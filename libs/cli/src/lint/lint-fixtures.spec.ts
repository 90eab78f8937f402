import * as boundsCommandsInFlight from './fixtures/bounds-commands-in-flight.saga';
import * as boundsMaxTransitions from './fixtures/bounds-max-transitions.saga';
import * as boundsUnboundedCycle from './fixtures/bounds-unbounded-cycle.saga';
import * as clean from './fixtures/clean.saga';
import * as compensationFireAndForget from './fixtures/compensation-fire-and-forget.saga';
import * as compensationMissing from './fixtures/compensation-missing.saga';
import * as compensationNotCompleted from './fixtures/compensation-not-completed.saga';
import * as compensationOrder from './fixtures/compensation-order.saga';
import * as contractsReplyNotAccepted from './fixtures/contracts-reply-not-accepted.saga';
import * as contractsUndeclared from './fixtures/contracts-undeclared.saga';
import * as contractsUnused from './fixtures/contracts-unused.saga';
import * as reachabilityDeadEnd from './fixtures/reachability-dead-end.saga';
import * as reachabilityNoFinal from './fixtures/reachability-no-final.saga';
import * as reachabilityUnreachable from './fixtures/reachability-unreachable.saga';
import * as timeoutMissing from './fixtures/timeout-missing.saga';
import type { FixtureOptions } from './fixtures/fixture-parts';
import { LINT_RULES, lintRule } from './lint-rules';
import { lintReport, lintSagas } from './lint-sagas';

interface Fixture {
  readonly expected: { rule: string; state?: string; contract?: string; step?: string; options?: object };
  readonly build: (options?: FixtureOptions) => any;
}

/** One deliberately broken saga per rule of lint (lint's own rules aside). */
const FIXTURES: Record<string, Fixture> = {
  'compensation/missing': compensationMissing,
  'compensation/fire-and-forget': compensationFireAndForget,
  'timeout/missing': timeoutMissing,
  'reachability/unreachable': reachabilityUnreachable,
  'reachability/dead-end': reachabilityDeadEnd,
  'reachability/no-final': reachabilityNoFinal,
  'contracts/undeclared': contractsUndeclared,
  'contracts/unused': contractsUnused,
  'contracts/reply-not-accepted': contractsReplyNotAccepted,
  'compensation/order': compensationOrder,
  'compensation/not-completed': compensationNotCompleted,
  'bounds/commands-in-flight': boundsCommandsInFlight,
  'bounds/max-transitions': boundsMaxTransitions,
  'bounds/unbounded-cycle': boundsUnboundedCycle,
};

/** What a finding is about, as the fixtures name it. */
const about = (finding: { rule: string; state?: string; contract?: string; step?: string }) => ({
  rule: finding.rule,
  ...(finding.state !== undefined ? { state: finding.state } : {}),
  ...(finding.contract !== undefined ? { contract: finding.contract } : {}),
});
const expectedOf = ({ rule, state, contract }: Fixture['expected']) => ({ rule, ...(state ? { state } : {}), ...(contract ? { contract } : {}) });

describe('The lint fixtures', () => {
  it('cover every rule but lint/* (its own rules)', () => {
    expect(Object.keys(FIXTURES).sort()).toEqual(
      LINT_RULES.map((rule) => rule.id)
        .filter((id) => !id.startsWith('lint/'))
        .sort(),
    );
  });

  it('start from a saga lint finds nothing in', () => {
    expect(lintSagas([clean.saga])).toEqual([]);
  });
});

describe.each(Object.entries(FIXTURES))('The fixture for %s', (rule, fixture) => {
  const options = fixture.expected.options ?? {};

  it('fails with exactly its rule, where it is broken', () => {
    const findings = lintSagas([fixture.build()], options);

    expect(findings.map(about)).toEqual([expectedOf(fixture.expected)]);
    expect(findings[0]).toMatchObject({ severity: lintRule(rule)!.severity, saga: `${fixture.build().name}@1` });
    if (fixture.expected.step) expect(findings[0].step).toBe(fixture.expected.step);
    expect(findings[0].message).not.toBe('');
    expect(findings[0].fix).not.toBe('');
  });

  it('passes when the state opts out of the rule with a reason, which the report keeps', () => {
    const report = lintReport([fixture.build({ optOut: 'the test says why' })], options);

    expect(report.findings).toEqual([]);
    expect(report.optedOut).toEqual([expect.objectContaining({ ...expectedOf(fixture.expected), reason: 'the test says why' })]);
  });

  it.each(['', '   ', 'TODO', 42])('still fails when the reason is %p, and says the opt-out is no reason', (reason) => {
    const findings = lintSagas([fixture.build({ optOut: reason })], options);

    expect(findings.map(about)).toEqual(
      expect.arrayContaining([expectedOf(fixture.expected), { rule: 'lint/opt-out', state: expect.any(String) }]),
    );
    expect(findings).toHaveLength(2);
    expect(findings.find((f) => f.rule === 'lint/opt-out')!.message).toContain(`opts out of ${rule} with`);
  });
});
