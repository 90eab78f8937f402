// The public API of @baton/core: everything a saga, a participant or a host
// imports from it. What is not listed here is internal to the package.

// --- Message contracts ------------------------------------------------------
export { command, event } from './contracts/message-contract';
export type { CommandContract, EventContract, MessageContract, PayloadOf } from './contracts/message-contract';
/** Every compatibility mode a contract may declare (`baton contracts check`). */
export { COMPATIBILITY_MODES } from './contracts/message-contract';
/** How a contract's schema may change: BACKWARD (the default), FORWARD, FULL, their TRANSITIVE forms, or NONE. */
export type { CompatibilityMode } from './contracts/message-contract';

// --- Defining sagas ---------------------------------------------------------
export { defineSaga } from './definition/saga-definition';
export type { SagaDefinition, SagaDefinitionOptions } from './definition/saga-definition';
export { sagaStep, sendCommand, recordFailure } from './definition/saga-step';
export type { SagaStep } from './definition/saga-step';
export { compensation } from './definition/compensation-state';
export { SagaTags } from './definition/saga-context';
export type { CompensableContext } from './definition/saga-context';
export type { SagaEvent } from './definition/saga-event';
export type { RetryPolicy } from './definition/retry-policy';
export { AbortRequested, CommandFailed, CompensationsCompleted, ResolveCompensation, RetryCompensation, StepFailed } from './definition/builtin-events';
/** Every event Baton declares for a saga itself; tools leave them out of a saga's own contracts. */
export { BUILTIN_EVENTS } from './definition/builtin-events';
export { effectOf } from './definition/saga-effect';
export type { EffectDescription } from './definition/saga-effect';
export { SagaRegistry } from './definition/saga-registry';

// --- Reading a saga's statechart (baton graph, the host's diagram) ---------
/** A saga's statechart as plain JSON: states, transitions by index, timers, what each state sends and what undoes it. */
export { readSagaChart } from './chart/saga-chart';
export type { CompensationLink, SagaChart, SagaChartState, SagaChartTimer, SagaChartTransition } from './chart/saga-chart';
/** The chart as Graphviz DOT, with SVG ids and classes to highlight a saga's states and transitions on it. */
export { sagaChartToDot } from './chart/saga-chart-to-dot';
/** What a list of XState actions records (a step's command, a fire-and-forget one, compensation()), and the implementation a reference names. */
export { effectsOf, resolveImplementation } from './chart/chart-effects';
export type { ChartEffect, SentCommand } from './chart/chart-effects';

// --- Errors -----------------------------------------------------------------
export { InvalidMessageError } from './errors/invalid-message.error';
export { UnknownMessageTypeError } from './errors/unknown-message-type.error';
export { UnknownSagaNameError } from './errors/unknown-saga-name.error';
export { SagaNotFoundError } from './errors/saga-not-found.error';
export { SagaVersionUnavailableError } from './errors/saga-version-unavailable.error';
export { SagaStepError } from './errors/saga-step.error';
export { IdempotencyKeyReusedError } from './errors/idempotency-key-reused.error';
export { SignalRejectedError } from './errors/signal-rejected.error';
export { UnknownSignalError } from './errors/unknown-signal.error';
export { DependencyUnavailableError } from './errors/dependency-unavailable.error';
export { StartUpTimeoutError } from './errors/start-up-timeout.error';
export { isPermanentFailure } from './errors/is-permanent-failure';

// --- Messages and transports ------------------------------------------------
export type { MessageEnvelope } from './transport/message-envelope';
export { defaultTopicNames } from './transport/transport';
export type { MessageHandler, PartitionLag, SubscribeOptions, TopicNames, Transport, TransportHealth } from './transport/transport';
export { PermanentMessageError } from './transport/dead-letter';
export type { DeadLetter, DeadLetterFailures, DeadLetterSink, RawMessage } from './transport/dead-letter';
export { InProcessTransport } from './transport/in-process.transport';

// --- Logging and ids --------------------------------------------------------
export { consoleLogger } from './util/baton-logger';
export type { BatonLogger } from './util/baton-logger';
export { currentLogContext, logContextOf, withLogContext } from './util/log-context';
export type { LogContext } from './util/log-context';
export { isUuid, uuidv7 } from './util/uuid-v7';

// --- For hosts and stores (SPI): the step engine ----------------------------
export { DEFAULT_SAGA_LIMITS, SagaEngine } from './engine/saga-engine';
export type { PersistedSaga, SagaLimits } from './engine/saga-engine';
export { TERMINAL_STATUSES } from './engine/step-outcome';
export type { OutgoingCommand, SagaStatus, StepOutcome, TimerToSchedule } from './engine/step-outcome';
export type { SagaRuntime } from './engine/saga-runtime';

// --- For stores (SPI): the step as data ---------------------------------------
export { decideMessage, decideRetry, decideSignal, decideStart, decideTimer, definitionOf, signalsAcceptedNow } from './step/deciders';
export type { DeciderTools, StartDecision, StepMoment } from './step/deciders';
export { isTerminalStatus } from './step/step-decision';
export type {
  CommandToSend,
  SagaRecord,
  StepCause,
  StepDecision,
  StepHistoryEntry,
  StepKind,
  StepObservation,
  StepResult,
  StepTrace,
} from './step/step-decision';

// --- For transports and stores (SPI): validation, text, batching, start-up --
export { describeIssues, validatePayload, validateWith } from './contracts/payload-validation';
export { MAX_JSON_DEPTH, findUnstorable, storableText, unstorableText } from './transport/storable-json';
export { invalidUtf8Offset } from './transport/utf8';
export { errorMessage } from './util/error-message';
export { BatchItemFailed, BatchQueue } from './util/batch-queue';
export type { Settled } from './util/batch-queue';
export { StartUpWait } from './util/start-up-wait';
