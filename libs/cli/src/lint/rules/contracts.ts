import { AbortRequested, CommandFailed, CompensationsCompleted, ResolveCompensation, RetryCompensation, StepFailed } from '@baton/core';
import { listed, type RuleContext } from '../lint-context';
import { isWildcard, matchesDescriptor, type ChartNode } from '../saga-chart';

/** Baton's own events, which defineSaga declares for every saga (by type: any copy of @baton/core declares the same). */
const BATON_EVENTS = new Set<string>([CommandFailed, StepFailed, CompensationsCompleted, AbortRequested, RetryCompensation, ResolveCompensation].map((e) => e.type));

/**
 * contracts/undeclared and contracts/unused: the machine and its contracts
 * agree. defineSaga already refuses a machine that reacts to an event with
 * no contract; what it lets through is a wildcard (`*`, `Prefix.*`: it takes
 * every declared event, operator signals included), a command sent by
 * `sendCommand` or a step sent by its `send` that the definition does not
 * declare (the engine fails the input at run time), and a definition not
 * made by defineSaga. A contract nothing uses is a leftover or a reply the
 * machine forgot to handle.
 */
export function checkContracts({ chart, report }: RuleContext): void {
  const { definition } = chart;
  const sent = new Set<string>();
  const accepted: string[] = [];
  const effects = chart.nodes.flatMap((node) => [
    ...node.entry.map((effect) => ({ effect, node })),
    ...node.exit.map((effect) => ({ effect, node })),
    ...node.transitions.flatMap((t) => t.effects.map((effect) => ({ effect, node }))),
  ]);
  for (const { effect, node } of effects) {
    if (effect.kind === 'undeclared-step') {
      sent.add(effect.command);
      report({
        rule: 'contracts/undeclared',
        node,
        step: effect.step,
        message: `${node.path} sends ${effect.command} for step ${effect.step}, which is not in the saga's "steps": the engine fails that input`,
        fix: `list the step in defineSaga({ steps: [..., ${effect.step}] })`,
      });
    } else if (effect.kind === 'command') {
      sent.add(effect.command);
      if (!definition.commands.has(effect.command)) {
        report({
          rule: 'contracts/undeclared',
          node,
          contract: effect.command,
          message: `${node.path} sends ${effect.command}, which is not in "commands": the engine fails that input`,
          fix: `declare ${effect.command} in defineSaga({ commands })`,
        });
      }
    }
  }
  const reported = new Set<string>();
  for (const node of chart.nodes) {
    for (const transition of node.transitions) {
      if (transition.kind !== 'event') continue;
      accepted.push(transition.event);
      const key = `${node.index}|${transition.event}`;
      if (reported.has(key)) continue;
      if (isWildcard(transition.event)) {
        reported.add(key);
        report({
          rule: 'contracts/undeclared',
          node,
          message: `${node.path} accepts every event matching "${transition.event}": any declared event, operator signals (${AbortRequested.type}, ${RetryCompensation.type}, ...) included, moves the saga there`,
          fix: `name the events ${node.path} takes in on: { <Type>: ... }`,
        });
      } else if (!definition.events.has(transition.event)) {
        reported.add(key);
        report({
          rule: 'contracts/undeclared',
          node,
          contract: transition.event,
          message: `${node.path} accepts ${transition.event}, which has no contract: the engine refuses it, so the transition is never taken`,
          fix: `declare ${transition.event} in defineSaga({ events }) (defineSaga checks this: was the definition built or changed by hand?)`,
        });
      }
    }
  }

  const steps = [...definition.steps.values()];
  for (const step of steps) {
    sent.add(step.command.type);
    if (step.compensation) sent.add(step.compensation.command.type);
  }
  for (const type of definition.commands.keys()) {
    if (sent.has(type)) continue;
    report({
      rule: 'contracts/unused',
      contract: type,
      message: `${type} is declared in "commands", but no step, compensation or sendCommand sends it`,
      fix: `remove ${type} from "commands", or send it`,
    });
  }
  const replies = new Set(steps.flatMap((step) => [...step.completedBy, ...step.refusedBy, ...(step.compensation ? [step.compensation.confirmedBy] : [])].map((r) => r.type)));
  for (const type of definition.events.keys()) {
    if (BATON_EVENTS.has(type) || replies.has(type) || accepted.some((descriptor) => matchesDescriptor(descriptor, type))) continue;
    report({
      rule: 'contracts/unused',
      contract: type,
      message: `${type} is declared in "events", but no step lists it as a reply and no state accepts it`,
      fix: `remove ${type} from "events", or handle it where the saga waits for it`,
    });
  }
}

/**
 * contracts/reply-not-accepted: while a step is in flight, the saga accepts
 * each of its replies (completedBy, refusedBy) and the engine's StepFailed
 * wherever it can rest (the state that sent it, its ancestors, the other
 * regions of a parallel state). A reply it does not accept settles the step
 * and is dropped, the saga waits on; an unhandled StepFailed parks it
 * (docs/architecture.md, "Commands in flight and unknown outcomes").
 */
export function checkReplies({ paths, report }: RuleContext): void {
  if (!paths) return;
  const seen = new Set<string>();
  for (const gap of paths.replyGaps) {
    const { step, sentAt } = gap.inFlight;
    const key = `${step.name}|${sentAt.index}|${gap.reply}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const where = (leaves: readonly ChartNode[]) => listed(leaves.map((leaf) => leaf.path));
    if (gap.noneAccepted) {
      report({
        rule: 'contracts/reply-not-accepted',
        node: sentAt,
        step: step.name,
        message: `${sentAt.path} sends ${step.command.type} (step ${step.name}), and the saga then rests in ${where(gap.leaves)}, which accepts none of its replies (${gap.reply}): the engine fails that input`,
        fix: `send step ${step.name} from the state that waits for its replies (entry: ${step.name}.send), and accept them there`,
      });
      continue;
    }
    const stepFailed = gap.reply === StepFailed.type;
    report({
      rule: 'contracts/reply-not-accepted',
      node: sentAt,
      step: step.name,
      message: `while step ${step.name} is in flight (sent by ${sentAt.path}) the saga can rest in ${where(gap.leaves)}, which does not accept ${gap.reply}${stepFailed ? `: when the step fails for good the engine parks the saga` : `: the reply settles the step and is dropped, and the saga waits on`}`,
      fix: stepFailed
        ? `handle it where the step is awaited: ${StepFailed.type}: { guard: ${step.name}.failed, target: <the state that compensates> }`
        : `accept ${gap.reply} in ${sentAt.path}: on: { ${gap.reply}: { target: ... } }`,
    });
  }
}
