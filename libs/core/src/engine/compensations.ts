import type { ArmedCompensation, CommandInFlight, CompensationFailure, SagaRuntime } from './saga-runtime';
import { stepOf, type StepScope } from './step-rules';

/** What to do about compensations now: send the next one, or tell whoever asked that none is left. */
export type NextCompensation = { readonly send: ArmedCompensation } | { readonly finished: 'machine' | 'cleanup' };

/**
 * A saga's compensations as one step changes them: armed (newest last) when
 * a step took effect or its outcome is unknown, each under the message id
 * chosen when it was armed; run newest first, one at a time, when the
 * machine asks for them ('machine') or, once the machine ended, for the
 * steps it gave up on ('cleanup'); and the one that failed for good, which
 * waits for an operator. Sending and tracking a compensation is the
 * commands in flight's part (see CommandsInFlight).
 */
export class Compensations {
  private readonly armed: ArmedCompensation[];
  private compensating?: SagaRuntime['compensating'];
  private failure?: CompensationFailure;

  constructor(
    private readonly scope: StepScope,
    runtime: SagaRuntime,
    private readonly note: (text: string) => void,
  ) {
    this.armed = [...(runtime.compensations ?? [])];
    this.compensating = runtime.compensating;
    this.failure = runtime.compensationFailure;
  }

  /** The compensation that failed for good, if one did: the saga is stuck until an operator acts. */
  get failed(): CompensationFailure | undefined {
    return this.failure;
  }

  /** Whether compensations are being run. */
  get running(): boolean {
    return this.compensating !== undefined;
  }

  /** Arms the compensation of a forward command, under a new message id. */
  arm(command: CommandInFlight, because: ArmedCompensation['because']): ArmedCompensation {
    const undo = stepOf(this.scope, command).compensation!.command;
    const armed: ArmedCompensation = {
      step: command.step,
      messageId: this.scope.tools.newId(),
      type: undo.type,
      payload: command.undo,
      compensates: command.messageId,
      because,
    };
    this.armed.push(armed);
    return armed;
  }

  /** The machine asked for every armed compensation to run (it entered a `compensation()` state). */
  askedByMachine(): void {
    this.compensating = 'machine';
  }

  /**
   * What to do next. Once the machine ended, the compensations of the steps
   * it gave up on are run all the same ('cleanup'). Nothing while a
   * compensation is in flight or failed, or the saga is parked (`waiting`);
   * otherwise the newest armed one (in a cleanup: the newest of a step whose
   * outcome is unknown), or, when none is left, `finished`.
   */
  next(machineEnded: () => boolean, waiting: boolean): NextCompensation | undefined {
    if (!this.compensating) {
      if (!machineEnded() || !this.armed.some((c) => c.because === 'outcome-unknown')) return undefined;
      this.compensating = 'cleanup';
    }
    if (this.failure || waiting) return undefined;
    const next =
      this.compensating === 'cleanup' ? [...this.armed].reverse().find((c) => c.because === 'outcome-unknown') : this.armed[this.armed.length - 1];
    if (next) return { send: next };
    const finished = this.compensating;
    this.compensating = undefined;
    return { finished };
  }

  /** The compensation in flight was confirmed: it comes off the stack. */
  confirmed(command: CommandInFlight): void {
    this.remove(command.messageId);
  }

  /** A compensation's retries ran out, or it was refused: the saga waits for an operator. */
  failedForGood(command: CommandInFlight, reason: string): void {
    this.failure = { step: command.step, command: command.type, messageId: command.messageId, reason, attempts: command.attempt };
    this.note(`${command.type} ${command.messageId} failed for good after ${command.attempt} attempt(s): ${reason}; the saga waits for an operator to retry or resolve it`);
  }

  /** The compensation that failed for good, if `type` (answering `causationId`) confirms it after all. */
  failedConfirmedBy(type: string, causationId: string | undefined): ArmedCompensation | undefined {
    const failure = this.failure;
    const armed = failure && this.armed.find((c) => c.messageId === failure.messageId);
    if (!armed || stepOf(this.scope, armed).compensation!.confirmedBy.type !== type) return undefined;
    return !causationId || causationId === armed.messageId ? armed : undefined;
  }

  /** A confirmation that came after its compensation was given up on: it did take effect. */
  confirmedLate(armed: ArmedCompensation): void {
    this.remove(armed.messageId);
    this.failure = undefined;
    this.note(`late confirmation of ${armed.type} ${armed.messageId}, after it was given up on: the saga goes on undoing`);
  }

  /** An operator's retry of the failed compensation: it is sent again, under its message id. */
  retryFailed(by: string): void {
    const failure = this.failure!;
    this.failure = undefined;
    this.note(`${by} retries ${failure.command} ${failure.messageId} (same message id)`);
  }

  /** An operator resolved the failed compensation by hand: the saga goes on with the next. */
  resolveFailed(by: string, note?: string): void {
    const failure = this.failure!;
    this.remove(failure.messageId);
    this.failure = undefined;
    this.note(`${by} resolved ${failure.command} ${failure.messageId} by hand${note ? `: ${note}` : ''}`);
  }

  /** Their part of the runtime to persist; none once the saga `ended`. */
  toRuntime(ended: boolean): Pick<SagaRuntime, 'compensations' | 'compensating' | 'compensationFailure'> {
    if (ended) return {};
    return {
      ...(this.armed.length ? { compensations: this.armed } : {}),
      ...(this.compensating ? { compensating: this.compensating } : {}),
      ...(this.failure ? { compensationFailure: this.failure } : {}),
    };
  }

  private remove(messageId: string): void {
    const index = this.armed.findIndex((c) => c.messageId === messageId);
    if (index >= 0) this.armed.splice(index, 1);
  }
}
