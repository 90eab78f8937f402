import type { RetryPolicy } from '../definition/retry-policy';
import type { SagaDefinition } from '../definition/saga-definition';
import type { SagaStep } from '../definition/saga-step';
import type { SagaStepError } from '../errors/saga-step.error';
import type { SagaLimits } from './saga-engine';
import { forwardStepOf, isCompensation, type CommandInFlight } from './saga-runtime';

/** What a step needs from the engine that runs it. */
export interface DraftTools {
  readonly newId: () => string;
  readonly random: () => number;
  readonly limits: Required<SagaLimits>;
}

/** What every part of one step reads: the saga's definition, the engine's tools, and how to fail the step. */
export interface StepScope {
  readonly definition: SagaDefinition;
  readonly tools: DraftTools;
  /** A SagaStepError for this step: nothing of it is persisted. */
  readonly fail: (problem: string) => SagaStepError;
}

// What the definition says of a command the saga tracks: the step it
// belongs to, the replies that settle it, how it is retried.

/** The definition's step a command belongs to (a compensation: the step it undoes). */
export function stepOf(scope: StepScope, command: { step: string }): SagaStep<unknown> {
  const name = forwardStepOf(command.step);
  const step = scope.definition.steps.get(name);
  if (!step) throw scope.fail(`it has a command in flight for step "${name}", which this version of the saga does not declare.`);
  return step;
}

/** The types of the replies that settle a step's forward command: those that say it took effect, and those that say it did not. */
export function stepReplies(step: SagaStep<unknown>): string[] {
  return [...step.completedBy, ...step.refusedBy].map((reply) => reply.type);
}

/** Whether a reply of `replyType` says the step's command took effect. */
export function completes(step: SagaStep<unknown>, replyType: string): boolean {
  return step.completedBy.some((reply) => reply.type === replyType);
}

/** The replies that settle a command in flight: a compensation's confirmation, or its step's replies. */
export function settledBy(scope: StepScope, command: CommandInFlight): string[] {
  const step = stepOf(scope, command);
  return isCompensation(command) ? [step.compensation!.confirmedBy.type] : stepReplies(step);
}

/** How a command in flight is retried: its step's policy, or its compensation's. */
export function retryOf(scope: StepScope, command: CommandInFlight): RetryPolicy | undefined {
  const step = stepOf(scope, command);
  return isCompensation(command) ? step.compensation!.retry : step.retry;
}

/**
 * Of commands awaiting an answer, the one a reply of `type` answers: the one
 * its causation id names (if `type` settles it, or it is a CommandFailed for
 * it), or, when the reply names none, the first `type` settles (a
 * CommandFailed: the first of the command type it names).
 */
export function findAnswered<T extends { messageId: string; type: string }>(
  candidates: readonly T[],
  settles: (candidate: T, type: string) => boolean,
  type: string,
  causationId: string | undefined,
  failedCommand: string | undefined,
): T | undefined {
  const answers = (c: T) => (failedCommand ? c.type === failedCommand : settles(c, type));
  if (causationId) return candidates.find((c) => c.messageId === causationId && answers(c));
  return candidates.find(answers);
}
