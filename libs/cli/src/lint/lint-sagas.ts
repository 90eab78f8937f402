import { DEFAULT_SAGA_LIMITS, type SagaDefinition } from '@baton/core';
import type { FindingDraft, LintCheck, RuleContext } from './lint-context';
import type { LintFinding, LintOptions, LintReport, OptedOutFinding } from './lint-finding';
import { LINT_RULES, lintRule } from './lint-rules';
import { readOptOuts, type OptOut } from './opt-outs';
import { checkBounds } from './rules/bounds';
import { checkCompensationOrder } from './rules/compensation-order';
import { checkCompensations } from './rules/compensation-missing';
import { checkContracts, checkReplies } from './rules/contracts';
import { checkReachability } from './rules/reachability';
import { checkTimeouts } from './rules/timeouts';
import { chartOf, selfAndAncestors } from './saga-chart';
import { explorePaths } from './saga-paths';

/** Every check, in the order of the rules. */
const CHECKS: readonly LintCheck[] = [checkCompensations, checkTimeouts, checkReachability, checkContracts, checkReplies, checkCompensationOrder, checkBounds];

/** The rules whose checks follow the saga's paths: skipped (and their opt-outs not judged) when lint could not explore them all. */
const PATH_RULES = new Set(['reachability/', 'contracts/reply-not-accepted', 'compensation/order', 'compensation/not-completed', 'bounds/']);
const followsPaths = (rule: string) => [...PATH_RULES].some((prefix) => rule.startsWith(prefix));

const RULE_ORDER = new Map<string, number>(LINT_RULES.map((rule, i) => [rule.id, i]));

/** Lints one saga: its findings and those its states opted out of. */
function lintOne(definition: SagaDefinition, options: LintOptions): { findings: LintFinding[]; optedOut: OptedOutFinding[] } {
  const saga = `${definition.name}@${definition.version}`;
  const chart = chartOf(definition);
  const maxPathStates = options.maxPathStates ?? 20_000;
  const explored = explorePaths(chart, maxPathStates);
  const drafts: FindingDraft[] = [];
  const report = (draft: FindingDraft) => drafts.push(draft);
  const optOuts = readOptOuts(chart, report);
  const context: RuleContext = {
    chart,
    paths: explored.complete ? explored : undefined,
    limits: {
      maxCommandsInFlight: options.maxCommandsInFlight ?? DEFAULT_SAGA_LIMITS.maxCommandsInFlight,
      maxTransitions: options.maxTransitions ?? DEFAULT_SAGA_LIMITS.maxTransitions,
    },
    report,
  };
  if (!explored.complete) {
    report({
      rule: 'lint/incomplete',
      message: `the saga can be in more than ${maxPathStates} places (active states × steps in flight): lint did not check reachability, replies, compensation order and bounds`,
      fix: 'split the saga into smaller ones, or check those rules by hand',
    });
  }
  for (const node of chart.opaque) {
    report({
      rule: 'lint/incomplete',
      node,
      message: `${node.path} runs enqueueActions, whose actions lint cannot read: a step or command sent there is not followed, so findings about its replies and paths may be wrong`,
      fix: `send steps and commands as plain actions (entry: step.send, sendCommand(...)), guarded by transitions`,
    });
  }
  for (const check of CHECKS) check(context);

  const used = new Set<OptOut>();
  const findings: LintFinding[] = [];
  const optedOut: OptedOutFinding[] = [];
  const order: number[] = [];
  const seen = new Set<string>();
  for (const draft of drafts) {
    const { rule, node, step, contract, message, fix } = draft;
    const finding: LintFinding = {
      rule,
      severity: lintRule(rule)!.severity,
      saga,
      ...(node ? { state: node.path } : {}),
      ...(step !== undefined ? { step } : {}),
      ...(contract !== undefined ? { contract } : {}),
      message,
      fix,
    };
    const key = JSON.stringify(finding);
    if (seen.has(key)) continue;
    seen.add(key);
    const holder = rule.startsWith('lint/')
      ? undefined
      : selfAndAncestors(node ?? chart.root)
          .map((at) => optOuts.find((optOut) => optOut.node === at && optOut.rule === rule))
          .find((optOut) => optOut !== undefined);
    if (holder) {
      used.add(holder);
      optedOut.push({ ...finding, reason: holder.reason, optedOutAt: holder.node.path });
      continue;
    }
    findings.push(finding);
    order.push(node?.index ?? -1);
  }
  for (const optOut of optOuts) {
    if (used.has(optOut) || (!explored.complete && followsPaths(optOut.rule))) continue;
    findings.push({
      rule: 'lint/opt-out-unused',
      severity: lintRule('lint/opt-out-unused')!.severity,
      saga,
      state: optOut.node.path,
      message: `${optOut.node.path} opts out of ${optOut.rule} ("${optOut.reason}"), but ${optOut.rule} finds nothing there`,
      fix: `remove '${optOut.rule}' from the meta of ${optOut.node.path}`,
    });
    order.push(optOut.node.index);
  }
  // Saga-wide findings first, then by state in document order, then by rule.
  const sorted = findings
    .map((finding, i) => ({ finding, at: order[i], i }))
    .sort((a, b) => a.at - b.at || RULE_ORDER.get(a.finding.rule)! - RULE_ORDER.get(b.finding.rule)! || a.i - b.i)
    .map(({ finding }) => finding);
  return { findings: sorted, optedOut };
}

/**
 * Lints saga definitions (docs: `baton lint`): every finding of every rule
 * (LINT_RULES), those opted out of with a reason left out. An empty array
 * means the sagas pass; a finding of severity `error` fails `baton lint`.
 */
export function lintSagas(definitions: readonly SagaDefinition[], options: LintOptions = {}): LintFinding[] {
  return lintReport(definitions, options).findings.slice();
}

/** Lints saga definitions: the findings, those opted out (with their reasons), and the sagas checked. */
export function lintReport(definitions: readonly SagaDefinition[], options: LintOptions = {}): LintReport {
  const findings: LintFinding[] = [];
  const optedOut: OptedOutFinding[] = [];
  for (const definition of definitions) {
    const one = lintOne(definition, options);
    findings.push(...one.findings);
    optedOut.push(...one.optedOut);
  }
  return { sagas: definitions.map((d) => `${d.name}@${d.version}`), findings, optedOut };
}
