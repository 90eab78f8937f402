// The public API of @baton/cli: the `baton` command as functions, for tests and scripts.

// --- Running the command ----------------------------------------------------
/** Runs `baton <command> [args]` with the given output; answers the exit code. */
export { main } from './cli';
/** A `baton` command, and where it writes. */
export type { BatonCommand, CommandIo } from './command';
/** A call a command cannot take: exit code 2 with its usage. */
export { UsageError } from './command';

// --- Loading sagas ----------------------------------------------------------
/** The saga definitions of modules (files or directories), as the commands load them. */
export { isSagaDefinition, loadSagas, sagasOf } from './load-sagas';

// --- Linting sagas (baton lint) ---------------------------------------------
/** Lints saga definitions: the findings of every rule, those opted out of with a reason left out. */
export { lintReport, lintSagas } from './lint/lint-sagas';
/** Every rule `baton lint` checks: its id, its severity and why it matters. */
export { LINT_RULES } from './lint/lint-rules';
/** A rule of `baton lint`, its id and its severity. */
export type { LintRule, LintRuleId, LintSeverity } from './lint/lint-rules';
/** A finding of `baton lint`, one opted out of, what lint checks against, and a whole report. */
export type { LintFinding, LintOptions, LintReport, OptedOutFinding } from './lint/lint-finding';
/** A lint report as text for a CI log (a line per finding, a summary) or as JSON. */
export { lintJson, lintText } from './lint/lint-output';
