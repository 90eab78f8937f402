import { lintRule, LINT_RULES } from './lint-rules';
import type { FindingDraft } from './lint-context';
import type { ChartNode, SagaChart } from './saga-chart';

/** A state's opt-out of one rule, with its reason. */
export interface OptOut {
  readonly node: ChartNode;
  readonly rule: string;
  readonly reason: string;
}

/** Words that hold a place where a reason should be. */
const PLACEHOLDERS = new Set(['todo', 'tbd', 'fixme', 'n/a', 'na', 'none', 'no', 'ok', 'yes', 'x', '-', '?', '...', 'reason', '<reason>', '<why>']);

/** Whether `value` says why: a string that is not blank and not a placeholder (`TODO`, `n/a`, ...). */
export function isReason(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '' && !PLACEHOLDERS.has(value.trim().toLowerCase());
}

/** The rule id closest to `id` (for "did you mean"), if one is close. */
function closest(id: string): string | undefined {
  const distance = (a: string, b: string) => {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      let previous = row[0];
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const current = row[j];
        row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
        previous = current;
      }
    }
    return row[b.length];
  };
  const [best] = LINT_RULES.map((rule) => ({ id: rule.id, d: distance(id, rule.id) })).sort((a, b) => a.d - b.d);
  return best && best.d <= Math.max(3, Math.floor(id.length / 3)) ? best.id : undefined;
}

const EXAMPLE = "meta: { baton: { lint: { '<rule id>': '<why this is safe here>' } } }";

/**
 * The opt-outs written on the machine's states, `meta: { baton: { lint: {
 * '<rule id>': '<reason>' } } }`, each valid for the state and every state
 * under it (on the root: the whole saga, its steps and contracts included).
 * One with no real reason, for an unknown rule, or for one of lint's own
 * rules is reported (lint/opt-out) and silences nothing.
 */
export function readOptOuts(chart: SagaChart, report: (finding: FindingDraft) => void): OptOut[] {
  const found: OptOut[] = [];
  for (const node of chart.nodes) {
    const meta = node.meta as { baton?: unknown } | undefined;
    if (typeof meta !== 'object' || meta === null || meta.baton === undefined) continue;
    const baton = meta.baton as { lint?: unknown } | null;
    const lint = typeof baton === 'object' && baton !== null ? baton.lint : baton;
    if (lint === undefined) continue;
    if (typeof lint !== 'object' || lint === null || Array.isArray(lint)) {
      report({ rule: 'lint/opt-out', node, message: `meta.baton${typeof baton === 'object' && baton !== null ? '.lint' : ''} of ${node.path} is not an object of rule ids and reasons`, fix: `write it as ${EXAMPLE}` });
      continue;
    }
    for (const [rule, reason] of Object.entries(lint)) {
      if (!lintRule(rule)) {
        const guess = closest(rule);
        report({
          rule: 'lint/opt-out',
          node,
          message: `${node.path} opts out of "${rule}", which is no rule of baton lint${guess ? ` (did you mean "${guess}"?)` : ''}`,
          fix: guess ? `name the rule "${guess}"` : 'name a rule that `baton lint --rules` lists, or remove the opt-out',
        });
      } else if (rule.startsWith('lint/')) {
        report({ rule: 'lint/opt-out', node, message: `${node.path} opts out of "${rule}", one of lint's own rules, which cannot be opted out of`, fix: 'remove the opt-out' });
      } else if (!isReason(reason)) {
        report({
          rule: 'lint/opt-out',
          node,
          message: `${node.path} opts out of ${rule} with ${JSON.stringify(reason) ?? String(reason)}, which is no reason: it silences nothing`,
          fix: `say why the rule does not apply here: '${rule}': '<why this is safe here>'`,
        });
      } else {
        found.push({ node, rule, reason: reason.trim() });
      }
    }
  }
  return found;
}
