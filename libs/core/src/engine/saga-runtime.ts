/**
 * What the engine keeps about an instance beside the machine's own
 * snapshot, persisted with it on every step: commands in flight (for
 * retries), the compensations armed so far (newest last) and whether they
 * are being run, the commands it gave up on, how many transitions it took
 * (for the storm bound), and why it was parked, if it was. It holds only what
 * changes: what a step replies with, how it is retried and what undoes it
 * are in the definition (`SagaDefinition.steps`), so the saga's row stays
 * small.
 */
export interface SagaRuntime {
  /** The commands in flight, by the step they are tracked under (persisted as `pending`). */
  readonly pending: Readonly<Record<string, CommandInFlight>>;
  readonly transitions: number;
  readonly parked?: { readonly reason: string };
  readonly compensations?: readonly ArmedCompensation[];
  /**
   * Compensations are being run: asked for by the machine ('machine'), or,
   * once the machine ended, those of steps it gave up on ('cleanup').
   */
  readonly compensating?: 'machine' | 'cleanup';
  /** The compensation that failed for good; the saga is stuck until an operator acts. */
  readonly compensationFailure?: CompensationFailure;
  readonly abandoned?: readonly AbandonedCommand[];
}

/** A command the saga waits on, by the step it belongs to: sent, not yet settled by one of its replies. */
export interface CommandInFlight {
  /** The step's name; a compensation runs under `<step>.compensation`. */
  readonly step: string;
  readonly messageId: string;
  readonly type: string;
  /** As sent, to send it again. */
  readonly payload: unknown;
  /** Attempts made so far (1 after the first send). */
  readonly attempt: number;
  /** The engine timer armed for it, if any. */
  readonly timer?: 'retry' | 'reply-timeout';
  /** A forward command: the payload of its step's compensation, armed once it took effect or its outcome is unknown. */
  readonly undo?: unknown;
  /** A compensation: the message id of the command it undoes. */
  readonly compensates?: string;
}

/**
 * A compensation armed because its step took effect, or because the saga
 * gave up on the step without knowing whether it did. Its message id is
 * chosen when it is armed, so every send of it (retries, an operator's
 * retry) carries the same id and a participant applies it once.
 */
export interface ArmedCompensation {
  /** The forward step it undoes. */
  readonly step: string;
  readonly messageId: string;
  readonly type: string;
  readonly payload: unknown;
  /** The message id of the forward command it undoes. */
  readonly compensates: string;
  readonly because: 'completed' | 'outcome-unknown';
}

/** A forward command the saga gave up on: a reply that comes later is recognised as late. */
export interface AbandonedCommand {
  readonly step: string;
  readonly messageId: string;
  readonly type: string;
  /** The message id of the compensation armed for it, if the step has one. */
  readonly compensation?: string;
}

/** A compensation that failed for good, waiting for an operator to retry it or resolve it by hand. */
export interface CompensationFailure {
  readonly step: string;
  readonly command: string;
  /** The compensation's message id; a retry sends it again under this id. */
  readonly messageId: string;
  readonly reason: string;
  readonly attempts: number;
}

export const EMPTY_RUNTIME: SagaRuntime = { pending: {}, transitions: 0 };

/** Timer keys of the engine's own timers (XState's are `xstate.after.*`). */
export const retryTimerKey = (step: string) => `baton.retry.${step}`;
export const replyTimeoutKey = (step: string) => `baton.reply-timeout.${step}`;

const COMPENSATION_SUFFIX = '.compensation';

/** The step name a compensation command is tracked under. */
export const compensationStepOf = (step: string) => `${step}${COMPENSATION_SUFFIX}`;

/** The forward step a command in flight belongs to: itself, or the one a compensation undoes. */
export const forwardStepOf = (step: string) => (step.endsWith(COMPENSATION_SUFFIX) ? step.slice(0, -COMPENSATION_SUFFIX.length) : step);

/** Whether a command in flight is a compensation (it names the command it undoes). */
export function isCompensation(command: CommandInFlight): boolean {
  return command.compensates !== undefined;
}

/** The key of the engine timer armed for a command in flight, if any. */
export function timerKeyOf(command: CommandInFlight): string | undefined {
  if (command.timer === 'retry') return retryTimerKey(command.step);
  if (command.timer === 'reply-timeout') return replyTimeoutKey(command.step);
  return undefined;
}
