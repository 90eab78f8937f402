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
export { batonSettings, isSagaDefinition, loadSagas, sagasOf } from './load-sagas';

// --- Drawing a saga ---------------------------------------------------------
/** A saga's statechart as Mermaid, DOT or SVG text (`baton graph`); the SVG is laid out offline, so it answers a promise. */
export { GRAPH_FORMATS, sagaGraph } from './graph/saga-graph';
/** The formats `sagaGraph` and `baton graph --format` take. */
export type { GraphFormat } from './graph/saga-graph';
// The statechart as data, and as DOT, are @baton/core's: readSagaChart, sagaChartToDot.

// --- Contract compatibility (baton contracts snapshot|check) ---------------
/** The `baton contracts` command itself. */
export { contractsCommand } from './contracts/contracts-command';
/** The sagas' contracts against a snapshot folder, and recording them there (refused on a breaking change unless forced). */
export { checkContractSnapshot, writeContractSnapshot } from './contracts/contract-snapshots';
/** What `writeContractSnapshot` did: the check it ran first, the files it wrote. */
export type { SnapshotOutcome } from './contracts/contract-snapshots';
/** Contracts compared with snapshots, each under its compatibility mode: the report `baton contracts check` prints. */
export { checkContracts } from './contracts/check-contracts';
/** The report of a check: each contract version, its state against the snapshot, and its findings. */
export type { ContractResult, ContractsReport, ContractState } from './contracts/check-contracts';
/** One finding of a check: rule, path, old and new, a fix; and how bad it is. */
export type { ContractFinding, FindingSeverity } from './contracts/contract-findings';
/** A contract as a snapshot keeps it (JSON Schema of what receivers accept and, for a command, of what the saga sends), and the sagas' contracts as such. */
export { contractSnapshotOf, sagaContracts } from './contracts/contract-snapshot';
/** A snapshot file's content, a saga's contract with its snapshot, and two sagas that declare one version differently. */
export type { ContractConflict, ContractSnapshot, CurrentContract } from './contracts/contract-snapshot';
/** Reading and writing a snapshot folder (`<Type>.v<version>.json`, sorted keys, trailing newline). */
export { readSnapshotFolder, snapshotFileName, writeSnapshotFolder } from './contracts/snapshot-folder';
/** A snapshot folder as read. */
export type { SnapshotFolder } from './contracts/snapshot-folder';
/** The snapshot folder: --dir, else "baton": { "contractSnapshots" } in package.json, else contract-schemas. */
export { DEFAULT_SNAPSHOT_DIR, snapshotDir } from './contracts/snapshot-dir';
/** A check's report as the text `baton contracts check` prints. */
export { formatContractsReport } from './contracts/contracts-report';

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
