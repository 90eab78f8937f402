import * as reachabilityDeadEnd from './fixtures/reachability-dead-end.saga';
import * as timeoutMissing from './fixtures/timeout-missing.saga';
import { lintReport, lintSagas } from './lint-sagas';

describe('lintSagas', () => {
  it('lints several sagas, each finding naming its saga', () => {
    const findings = lintSagas([timeoutMissing.saga, reachabilityDeadEnd.saga]);

    expect(findings.map((f) => [f.saga, f.rule])).toEqual([
      ['lint-timeout-missing@1', 'timeout/missing'],
      ['lint-reachability-dead-end@1', 'reachability/dead-end'],
    ]);
  });

  it('says so when a saga has more places than it explores, skips the rules that follow paths, and judges none of their opt-outs', () => {
    const report = lintReport([reachabilityDeadEnd.build({ optOut: 'a hold an operator lifts by hand' })], { maxPathStates: 2 });

    expect(report.findings).toEqual([
      expect.objectContaining({
        rule: 'lint/incomplete',
        severity: 'warning',
        message:
          'the saga can be in more than 2 places (active states × steps in flight): lint did not check reachability, replies, compensation order and bounds',
      }),
    ]);
    expect(report.optedOut).toEqual([]);
  });

  it('answers a report of no findings for no sagas', () => {
    expect(lintReport([])).toEqual({ sagas: [], findings: [], optedOut: [] });
  });
});
