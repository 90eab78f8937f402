import { isReason } from '../opt-outs';
import type { RuleContext } from '../lint-context';
import type { ChartEffect, ChartNode } from '../saga-chart';
import { undoCommands } from '../saga-paths';

/**
 * compensation/missing and compensation/fire-and-forget: every effect the
 * saga has on a participant is undone when it compensates, or says why not
 * (docs/architecture.md, "Steps without a compensation must say why"). A
 * step says so with `noCompensation`; a command sent fire and forget
 * (`sendCommand`) has no compensation at all, so it needs an opt-out with
 * the reason on the state that sends it: before the saga ends it is an
 * error (a later compensation leaves it done), as the saga ends a warning
 * (nothing confirms it). A step's compensation command sent by hand is an
 * undo, checked by compensation/order.
 */
export function checkCompensations({ chart, report }: RuleContext): void {
  for (const step of chart.definition.steps.values()) {
    if (step.compensation || isReason(step.noCompensation)) continue;
    report({
      rule: 'compensation/missing',
      step: step.name,
      message:
        step.noCompensation === undefined
          ? `step ${step.name} sends ${step.command.type} with no compensation and no reason for none: if the saga compensates, its effect stays`
          : `step ${step.name} gives ${JSON.stringify(step.noCompensation)} as the reason it needs no compensation, which says nothing`,
      fix: `give step ${step.name} a compensation ({ command, payload, confirmedBy }), or noCompensation: '<why nothing needs undoing>'`,
    });
  }
  const undo = undoCommands(chart);
  const fireAndForget = (effects: readonly ChartEffect[], at: ChartNode, ending: boolean, how: string) => {
    for (const effect of effects) {
      if (effect.kind !== 'command' || undo.has(effect.command)) continue;
      if (ending) {
        report({
          rule: 'compensation/fire-and-forget',
          node: at,
          message: `${at.path} sends ${effect.command} fire and forget (sendCommand) ${how} as the saga ends: nothing confirms it and nothing undoes it`,
          fix: `say why that is fine on ${at.path}: meta: { baton: { lint: { 'compensation/fire-and-forget': '<why>' } } }, or make it a sagaStep`,
        });
      } else {
        report({
          rule: 'compensation/missing',
          node: at,
          message: `${at.path} sends ${effect.command} fire and forget (sendCommand) ${how} and the saga goes on: if it compensates later, nothing undoes ${effect.command}`,
          fix: `make ${effect.command} a sagaStep with a compensation, send it as the saga ends, or opt out on ${at.path}: meta: { baton: { lint: { 'compensation/missing': '<why nothing needs undoing>' } } }`,
        });
      }
    }
  };
  for (const node of chart.nodes) {
    fireAndForget(node.entry, node, node.ending, 'on entry');
    fireAndForget(node.exit, node, false, 'on exit');
    for (const transition of node.transitions) {
      const ending = transition.targets.length > 0 && transition.targets.every((target) => target.ending);
      const on = transition.kind === 'event' ? `on ${transition.event}` : transition.kind === 'after' ? `after ${transition.delay}` : `on ${transition.kind}`;
      fireAndForget(transition.effects, node, ending, on);
    }
  }
}
