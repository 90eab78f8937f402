import type { SagaStep } from '@baton/core';
import { listed, type RuleContext } from '../lint-context';
import { isWithin, selfAndAncestors, subtree, type ChartNode } from '../saga-chart';

/**
 * Whether the saga leaves `node` after a deadline: an `after` transition on
 * it or a state above it, or in another region of a parallel state above
 * it that leaves that parallel state.
 */
function hasDeadline(node: ChartNode): boolean {
  const chain = selfAndAncestors(node);
  if (chain.some((at) => at.transitions.some((t) => t.kind === 'after'))) return true;
  return chain.some(
    (parallel) =>
      parallel.type === 'parallel' &&
      parallel.children
        .filter((region) => !isWithin(node, region))
        .flatMap(subtree)
        .some((at) => at.transitions.some((t) => t.kind === 'after' && t.targets.some((target) => !isWithin(target, parallel)))),
  );
}

/**
 * timeout/missing: a state that waits for something that may never come
 * needs a deadline (docs/architecture.md, "Timers"). It waits for a reply
 * when it sends a step (on entry, or a transition into it sends one): the
 * step's `retry.replyTimeoutMs` resends it and fails it in the end; else an
 * `after` must leave. It waits for an operator when its only ways out are
 * signals (contracts with `signal: true`). A `compensation()` state waits
 * for each compensation's confirmation: one without `retry.replyTimeoutMs`
 * can keep it waiting.
 */
export function checkTimeouts({ chart, report }: RuleContext): void {
  const { definition } = chart;
  const waits = new Map<ChartNode, SagaStep<unknown>[]>();
  const wait = (node: ChartNode, step: SagaStep<unknown>) => waits.set(node, [...(waits.get(node) ?? []), step]);
  for (const node of chart.nodes) {
    for (const effect of node.entry) if (effect.kind === 'step') wait(node, effect.step);
    for (const transition of node.transitions) {
      for (const effect of transition.effects) {
        if (effect.kind !== 'step') continue;
        for (const target of transition.targets.length ? transition.targets : [node]) wait(target, effect.step);
      }
    }
  }
  for (const [node, steps] of waits) {
    for (const step of new Set(steps)) {
      if (step.retry?.replyTimeoutMs || hasDeadline(node)) continue;
      const replies = [...step.completedBy, ...step.refusedBy].map((reply) => reply.type);
      report({
        rule: 'timeout/missing',
        node,
        step: step.name,
        message: `${node.path} waits for ${listed(replies)} (step ${step.name}) with no deadline: no \`after\` here or above, and the step has no retry.replyTimeoutMs, so a lost message keeps the saga here for ever`,
        fix: `give step ${step.name} retry: { replyTimeoutMs, maxAttempts }, or ${node.path} an after: { <ms>: <state to go on to> }`,
      });
    }
  }

  for (const node of chart.nodes) {
    if (node.type !== 'atomic' || waits.has(node) || hasDeadline(node)) continue;
    const exits = selfAndAncestors(node).flatMap((at) => at.transitions.filter((t) => t.targets.length > 0 && t.kind !== 'done'));
    const signals = exits.map((t) => (t.kind === 'event' && definition.events.get(t.event)?.signal ? t.event : undefined));
    if (!exits.length || signals.some((signal) => signal === undefined)) continue;
    report({
      rule: 'timeout/missing',
      node,
      message: `${node.path} waits for an operator's signal (${listed([...new Set(signals as string[])])}) with no deadline: if nobody sends one the saga waits for ever`,
      fix: `give ${node.path} an after: { <ms>: <state that escalates or gives up> }`,
    });
  }

  const compensations = [...definition.steps.values()].filter((step) => step.compensation && !step.compensation.retry?.replyTimeoutMs);
  for (const node of chart.nodes) {
    if (!compensations.length || !node.entry.some((effect) => effect.kind === 'compensate') || hasDeadline(node)) continue;
    report({
      rule: 'timeout/missing',
      node,
      message: `${node.path} waits for the compensations to be confirmed, and ${listed(compensations.map((s) => `${s.compensation!.command.type} (step ${s.name})`))} ${compensations.length > 1 ? 'have' : 'has'} no retry.replyTimeoutMs: one that is lost keeps the saga compensating for ever instead of stuck (where an operator sees it)`,
      fix: `give each compensation retry: { replyTimeoutMs, maxAttempts }: ${listed(compensations.map((s) => s.name))}`,
    });
  }
}
