import type { LintRuleId, LintSeverity } from './lint-rules';

/** One problem `baton lint` found in a saga definition. */
export interface LintFinding {
  readonly rule: LintRuleId;
  readonly severity: LintSeverity;
  /** The saga, as `name@version`. */
  readonly saga: string;
  /** The state it is about, as a dotted path (`securing.payment.authorizing`); `(machine)` for the machine's root. */
  readonly state?: string;
  /** The step it is about, when it is about a step. */
  readonly step?: string;
  /** The contract (message type) it is about, when it is about a contract. */
  readonly contract?: string;
  readonly message: string;
  /** One line: what to change. */
  readonly fix: string;
}

/** A finding a state's opt-out silenced, with the reason given. */
export interface OptedOutFinding extends LintFinding {
  readonly reason: string;
  /** The state whose meta holds the opt-out. */
  readonly optedOutAt: string;
}

/** What `lintSagas` checks against. */
export interface LintOptions {
  /** The instance limit the engine runs with (SagaLimits). @default DEFAULT_SAGA_LIMITS.maxCommandsInFlight (50) */
  readonly maxCommandsInFlight?: number;
  /** The instance limit the engine runs with (SagaLimits). @default DEFAULT_SAGA_LIMITS.maxTransitions (1000) */
  readonly maxTransitions?: number;
  /** The most states lint explores per saga before it gives up on the path rules. @default 20000 */
  readonly maxPathStates?: number;
}

/** What lint found in some sagas: the findings, those opted out, and the sagas it checked. */
export interface LintReport {
  /** The sagas checked, as `name@version`. */
  readonly sagas: readonly string[];
  readonly findings: readonly LintFinding[];
  readonly optedOut: readonly OptedOutFinding[];
}

/** Where a finding is, as one word for a line of text: the state, `step:<name>`, `contract:<Type>` or `(saga)`. */
export function locationOf(finding: LintFinding): string {
  if (finding.state !== undefined) return finding.state;
  if (finding.step !== undefined) return `step:${finding.step}`;
  if (finding.contract !== undefined) return `contract:${finding.contract}`;
  return '(saga)';
}
