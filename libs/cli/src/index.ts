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
/** The statechart as data, read from a saga's XState StateNode tree: what the formats draw. */
export { readSagaGraph } from './graph/saga-graph-model';
/** A state, a transition and a step's compensation, as `readSagaGraph` gives them. */
export type { CompensationLink, GraphState, GraphTransition, SagaGraph } from './graph/saga-graph-model';
