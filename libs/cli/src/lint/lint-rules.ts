/** How bad a finding is: an error fails `baton lint` (exit code 1), a warning is shown only. */
export type LintSeverity = 'error' | 'warning';

/** One check of `baton lint`: its id (what an opt-out names), its severity and why it matters. */
export interface LintRule {
  readonly id: string;
  readonly severity: LintSeverity;
  /** One line: what the rule finds and why it matters (`baton lint --rules`). */
  readonly rationale: string;
}

/**
 * Every rule `baton lint` checks, in the order of its output. The semantics
 * they rest on are in docs/architecture.md ("Commands in flight and unknown
 * outcomes", "Timers").
 */
export const LINT_RULES = [
  {
    id: 'compensation/missing',
    severity: 'error',
    rationale:
      'A step with neither a compensation nor a reason for none, or a fire-and-forget command (sendCommand) sent before the saga ends: if the saga compensates later, nothing undoes its effect.',
  },
  {
    id: 'compensation/fire-and-forget',
    severity: 'warning',
    rationale:
      'A fire-and-forget command sent as the saga ends: nothing confirms it and nothing undoes it; say why that is fine (a notification cannot be unsent) with an opt-out reason.',
  },
  {
    id: 'timeout/missing',
    severity: 'error',
    rationale:
      'A state that waits for a reply (its step has no retry.replyTimeoutMs), for an operator signal, or for compensations (one without retry.replyTimeoutMs), with no `after` deadline: a lost message keeps the saga waiting forever.',
  },
  {
    id: 'reachability/unreachable',
    severity: 'error',
    rationale: 'A state no path enters (an outcome the saga can never reach, or dead code): usually a mistyped target or a reply no step brings.',
  },
  {
    id: 'reachability/dead-end',
    severity: 'error',
    rationale: 'A state the saga can enter and never leave, though it is not final: nothing that can happen there (a reply in flight, an event, a timer) moves it on.',
  },
  {
    id: 'reachability/no-final',
    severity: 'error',
    rationale: 'States the saga can enter that lead only to each other: from there it never ends (no path reaches a final state).',
  },
  {
    id: 'contracts/undeclared',
    severity: 'error',
    rationale:
      'The machine accepts an event with no contract (a wildcard `*` accepts every declared one, operator signals included), sends a command not in "commands", or sends a step not in "steps": the engine refuses or fails it at run time.',
  },
  {
    id: 'contracts/unused',
    severity: 'warning',
    rationale: 'A declared command or event that no step, sendCommand or transition uses: a leftover, or a reply the machine forgot to handle.',
  },
  {
    id: 'contracts/reply-not-accepted',
    severity: 'error',
    rationale:
      "A reply a step lists (completedBy, refusedBy, or the engine's StepFailed) that the saga does not accept while the step is in flight: the reply is dropped (the engine parks the saga on an unhandled StepFailed).",
  },
  {
    id: 'compensation/order',
    severity: 'error',
    rationale:
      'A hand-written compensation (a step\'s compensation command sent by the machine) that undoes a step while a step that took effect after it is not undone yet: undo newest first, or use compensation(), which does.',
  },
  {
    id: 'compensation/not-completed',
    severity: 'error',
    rationale:
      'A hand-written compensation that can run for a step that never took effect on some path (never sent, or refused): the participant is asked to undo what it did not do.',
  },
  {
    id: 'bounds/commands-in-flight',
    severity: 'error',
    rationale: 'More commands in flight at once on some path than maxCommandsInFlight: the engine parks the instance as failed.',
  },
  {
    id: 'bounds/max-transitions',
    severity: 'error',
    rationale: 'A path (no loop counted) that takes more transitions than maxTransitions: the engine parks the instance as failed.',
  },
  {
    id: 'bounds/unbounded-cycle',
    severity: 'warning',
    rationale:
      'A loop of transitions none of which has a guard (a step\'s `failed` guard does not count): nothing bounds how often it runs, and the engine parks an instance after maxTransitions.',
  },
  {
    id: 'lint/opt-out',
    severity: 'error',
    rationale:
      "An opt-out (meta: { baton: { lint: { '<rule id>': '<reason>' } } }) with no real reason, or for a rule that does not exist: an opt-out must say why.",
  },
  {
    id: 'lint/opt-out-unused',
    severity: 'warning',
    rationale: 'An opt-out for a rule that finds nothing in its state: the reason no longer holds, remove it.',
  },
  {
    id: 'lint/incomplete',
    severity: 'warning',
    rationale:
      'Lint could not check everything: the saga has more paths than it explores (the rules that follow paths were skipped), or actions it cannot read (enqueueActions).',
  },
] as const satisfies readonly LintRule[];

/** The id of a rule of `baton lint`. */
export type LintRuleId = (typeof LINT_RULES)[number]['id'];

const BY_ID = new Map<string, LintRule>(LINT_RULES.map((rule) => [rule.id, rule]));

/** The rule of an id; undefined for an id no rule has. */
export function lintRule(id: string): LintRule | undefined {
  return BY_ID.get(id);
}

/** The rules as text: one line each, id, severity and rationale. */
export function rulesText(): string {
  const width = Math.max(...LINT_RULES.map((rule) => rule.id.length));
  return LINT_RULES.map((rule) => `  ${rule.id.padEnd(width)}  ${rule.severity.padEnd(7)}  ${rule.rationale}`).join('\n');
}
