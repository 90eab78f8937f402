import type { ChartNode, SagaChart } from './saga-chart';
import type { PathGraph } from './saga-paths';
import type { LintRuleId } from './lint-rules';

/** A finding as a rule reports it: lint adds the saga, the severity and the opt-outs. */
export interface FindingDraft {
  readonly rule: LintRuleId;
  /** The state it is about; none for a step or a contract (then only the machine's root can opt out of it). */
  readonly node?: ChartNode;
  readonly step?: string;
  readonly contract?: string;
  readonly message: string;
  readonly fix: string;
}

/** What a rule reads, and where it reports. */
export interface RuleContext {
  readonly chart: SagaChart;
  /** Every path of the saga; undefined when there were more than lint explores (the path rules are skipped). */
  readonly paths?: PathGraph;
  readonly limits: { readonly maxCommandsInFlight: number; readonly maxTransitions: number };
  report(finding: FindingDraft): void;
}

/** A rule's check of one saga. */
export type LintCheck = (context: RuleContext) => void;

/** Names joined for a message: `a, b and c`. */
export function listed(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
