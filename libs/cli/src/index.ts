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
