import { listed, type RuleContext } from '../lint-context';

/**
 * compensation/order and compensation/not-completed, for a machine that
 * sends compensation commands itself (a step's compensation command sent by
 * `sendCommand`, or as the command of another step) instead of entering
 * `compensation()`, which undoes every armed step newest first. On every
 * path (saga-paths.ts) where the machine undoes a step: the step took effect
 * (a completedBy reply) or may have (StepFailed, or the saga left the state
 * that waited for it: docs/architecture.md, "Commands in flight and unknown
 * outcomes"), and every step that took effect (or may have) after it, or is
 * still in flight, is already undone, so each participant's ledger reads
 * T1…Tj then Cj…C1.
 */
export function checkCompensationOrder({ chart, paths, report }: RuleContext): void {
  if (!paths) return;
  const { steps } = chart.definition;
  const seen = new Set<string>();
  for (const undo of paths.undos) {
    const step = steps.get(undo.step)!;
    const command = step.compensation!.command.type;
    const at = undo.history.findIndex((h) => h.step === undo.step);
    const outcome = at >= 0 ? undo.history[at] : undefined;
    const inFlight = undo.inFlight.includes(undo.step);
    let rule: 'compensation/not-completed' | 'compensation/order' | undefined;
    let message = '';
    let fix = '';
    if (!inFlight && (!outcome || outcome.outcome === 'refused')) {
      rule = 'compensation/not-completed';
      message = `${undo.at.path} sends ${command} to undo step ${undo.step} on a path where ${undo.step} ${outcome ? `was refused (${listed(step.refusedBy.map((r) => r.type))}): it took no effect` : 'was never sent'}`;
      fix = `send ${command} only on paths where ${undo.step} completed or its outcome is unknown, or enter compensation() and let the engine undo what is armed`;
    } else if (outcome?.undone) {
      continue;
    } else {
      const later = [
        ...(at >= 0 ? undo.history.slice(at + 1).filter((h) => h.outcome !== 'refused' && !h.undone).map((h) => h.step) : []),
        ...undo.inFlight.filter((name) => name !== undo.step),
      ];
      if (!later.length) continue;
      rule = 'compensation/order';
      message = `${undo.at.path} undoes step ${undo.step} (${command}) while ${listed(later)}, which took effect after it, ${later.length > 1 ? 'are' : 'is'} not undone yet: compensations must run newest first`;
      fix = `undo ${listed([...later].reverse())} before ${undo.step}, or enter compensation(), which undoes newest first`;
    }
    const key = `${rule}|${undo.at.index}|${undo.step}`;
    if (seen.has(key)) continue;
    seen.add(key);
    report({ rule, node: undo.at, step: undo.step, message, fix });
  }
}
