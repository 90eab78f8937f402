import { DEFAULT_RETRY, retryDelay } from '../definition/retry-policy';
import type { CommandEffect } from '../definition/saga-effect';
import type { Compensations } from './compensations';
import { onTheWire, validated } from './outgoing-commands';
import {
  compensationStepOf,
  isCompensation,
  replyTimeoutKey,
  retryTimerKey,
  timerKeyOf,
  type AbandonedCommand,
  type ArmedCompensation,
  type CommandInFlight,
  type SagaRuntime,
} from './saga-runtime';
import { completes, findAnswered, retryOf, settledBy, stepOf, stepReplies, type StepScope } from './step-rules';
import type { OutgoingCommand } from './step-outcome';
import type { TimerChanges } from './timer-changes';

/** Commands given up on that are remembered for their late replies. */
const MAX_ABANDONED = 50;

/** What the commands in flight work with, beside the saga's runtime. */
export interface CommandsInFlightParts {
  readonly scope: StepScope;
  readonly runtime: SagaRuntime;
  readonly compensations: Compensations;
  readonly timers: TimerChanges;
  /** The commands this step sends; a retry or a compensation is added here. */
  readonly sent: OutgoingCommand[];
  readonly note: (text: string) => void;
}

/**
 * The commands a saga waits on, one per step, as one step changes them
 * (docs/architecture.md, "Commands in flight and unknown outcomes"): a step's
 * command is tracked until one of its replies settles it, and retried under
 * its policy (same message id) while it is not answered; a reply that says
 * it took effect arms its compensation. A command the saga gives up on
 * without its answer (retries ran out, the machine left the state that
 * waits for it) has an unknown outcome: its compensation is armed as if it
 * had succeeded, and it is remembered so a late reply is recognised and
 * recorded, never taken for a new effect.
 */
export class CommandsInFlight {
  private readonly byStep: Record<string, CommandInFlight>;
  private readonly abandoned: AbandonedCommand[];

  constructor(private readonly parts: CommandsInFlightParts) {
    this.byStep = { ...parts.runtime.pending };
    this.abandoned = [...(parts.runtime.abandoned ?? [])];
  }

  /** The commands in flight, one per step (a compensation under `<step>.compensation`). */
  all(): CommandInFlight[] {
    return Object.values(this.byStep);
  }

  /** Whether a compensation is in flight (they run one at a time). */
  hasCompensation(): boolean {
    return this.all().some(isCompensation);
  }

  /** The tracked command a reply of `type` answers: by its causation id, or, without one, by reply type. */
  answering(type: string, causationId: string | undefined, failedCommand?: string): CommandInFlight | undefined {
    const { scope } = this.parts;
    return findAnswered(this.all(), (c, t) => settledBy(scope, c).includes(t), type, causationId, failedCommand);
  }

  /** The given-up command a late reply answers, by causation id or, without one, by reply type. */
  abandonedAnswering(type: string, causationId: string | undefined, failedCommand?: string): AbandonedCommand | undefined {
    const { scope } = this.parts;
    return findAnswered(this.abandoned, (a, t) => stepReplies(stepOf(scope, a)).includes(t), type, causationId, failedCommand);
  }

  /** The command whose engine timer is `key`. */
  withTimer(key: string): CommandInFlight | undefined {
    return this.all().find((c) => timerKeyOf(c) === key);
  }

  /** Starts tracking a step's command; the payload of its compensation is checked against its contract now. */
  track(effect: CommandEffect, command: OutgoingCommand): CommandInFlight {
    const { scope, timers } = this.parts;
    const name = effect.step!;
    const step = scope.definition.steps.get(name);
    if (!step) throw scope.fail(`it sends ${command.type} for step "${name}", which is not in the saga's "steps". Declare it there.`);
    if (step.command.type !== command.type) throw scope.fail(`step "${name}" sends ${step.command.type}, not ${command.type}.`);
    const replaced = this.byStep[name];
    if (replaced) this.abandon(replaced, `its step sent ${command.type} again`);
    const replyTimeoutMs = step.retry?.replyTimeoutMs;
    const tracked: CommandInFlight = {
      step: name,
      messageId: command.messageId,
      type: command.type,
      payload: command.payload,
      attempt: 1,
      ...(replyTimeoutMs ? { timer: 'reply-timeout' as const } : {}),
      ...(step.compensation ? { undo: validated(scope, step.compensation.command.type, effect.undo, name).payload } : {}),
    };
    this.byStep[name] = tracked;
    if (replyTimeoutMs) timers.arm(replyTimeoutKey(name), replyTimeoutMs);
    return tracked;
  }

  /** Sends an armed compensation and tracks it under `<step>.compensation`. */
  sendCompensation(armed: ArmedCompensation): void {
    const { scope, timers, sent } = this.parts;
    const step = compensationStepOf(armed.step);
    const replyTimeoutMs = stepOf(scope, armed).compensation!.retry?.replyTimeoutMs;
    const tracked: CommandInFlight = {
      step,
      messageId: armed.messageId,
      type: armed.type,
      payload: armed.payload,
      attempt: 1,
      compensates: armed.compensates,
      ...(replyTimeoutMs ? { timer: 'reply-timeout' as const } : {}),
    };
    this.byStep[step] = tracked;
    if (replyTimeoutMs) timers.arm(replyTimeoutKey(step), replyTimeoutMs);
    sent.push(onTheWire(scope, tracked));
  }

  /**
   * After a run of the machine: every command it just `sent` must be
   * awaited by the state it is in; a forward command the machine no longer
   * waits for (it left the state, or ended) is given up on.
   */
  machineMoved(sent: readonly CommandInFlight[], awaits: (replies: readonly string[]) => boolean, sagaEnded: boolean): void {
    const { scope } = this.parts;
    for (const command of sent) {
      const replies = settledBy(scope, command);
      if (!awaits(replies)) {
        throw scope.fail(`it sends ${command.type} for step "${command.step}" from a state that accepts none of its replies (${replies.join(', ')})`);
      }
    }
    for (const command of this.all()) {
      if (!isCompensation(command) && !awaits(settledBy(scope, command))) {
        this.abandon(command, sagaEnded ? 'the saga ended without it' : 'the saga left the state that waits for it');
      }
    }
  }

  /** A reply settled a tracked forward command: its compensation is armed if the reply says it took effect. */
  settle(command: CommandInFlight, replyType: string): void {
    this.untrack(command);
    const step = stepOf(this.parts.scope, command);
    if (step.compensation && completes(step, replyType)) this.parts.compensations.arm(command, 'completed');
  }

  /**
   * A tracked command failed once (a participant's CommandFailed, or its
   * reply timeout). Transient, with attempts left under its policy: a retry
   * is armed, and the answer is 'retrying'. Otherwise it is no longer
   * tracked ('failed'): a forward command whose attempts ran out is given
   * up on, its outcome unknown; one the participant refused had no effect.
   */
  failedOnce(command: CommandInFlight, reason: string, transient: boolean): 'retrying' | 'failed' {
    const { scope, timers } = this.parts;
    const retry = retryOf(scope, command);
    const maxAttempts = retry?.maxAttempts ?? (retry ? DEFAULT_RETRY.maxAttempts : 1);
    if (transient && command.attempt < maxAttempts) {
      timers.disarm(timerKeyOf(command));
      this.byStep[command.step] = { ...command, timer: 'retry' };
      timers.arm(retryTimerKey(command.step), retryDelay(retry ?? {}, command.attempt, scope.tools.random));
      return 'retrying';
    }
    if (transient && !isCompensation(command)) this.abandon(command, `${command.attempt} attempt(s) ran out (${reason})`);
    else this.untrack(command);
    return 'failed';
  }

  /** Sends commands in flight again, same message ids (a retry timer, an operator's "retry now"). */
  resend(commands: readonly CommandInFlight[]): void {
    const { scope, timers, sent } = this.parts;
    for (const command of commands) {
      timers.disarm(timerKeyOf(command));
      const replyTimeoutMs = retryOf(scope, command)?.replyTimeoutMs;
      const again: CommandInFlight = { ...command, attempt: command.attempt + 1, timer: replyTimeoutMs ? 'reply-timeout' : undefined };
      this.byStep[command.step] = again;
      if (replyTimeoutMs) timers.arm(replyTimeoutKey(command.step), replyTimeoutMs);
      sent.push(onTheWire(scope, again));
    }
  }

  /** A reply for a command the saga gave up on: recorded, never taken for a new effect. */
  late(abandoned: AbandonedCommand, replyType: string): void {
    this.abandoned.splice(this.abandoned.indexOf(abandoned), 1);
    const step = stepOf(this.parts.scope, abandoned);
    const what = `late ${replyType} for ${abandoned.step} (${abandoned.type} ${abandoned.messageId}), after the saga gave up on it`;
    if (!completes(step, replyType)) {
      this.parts.note(`${what}: it reports no effect`);
    } else if (abandoned.compensation) {
      this.parts.note(`${what}: it took effect; ${step.compensation!.command.type} ${abandoned.compensation}, armed when the saga gave up, undoes it`);
    } else {
      this.parts.note(`${what}: it took effect and stays, having no compensation (${step.noCompensation})`);
    }
  }

  /** Stops tracking a command (it was answered), disarming its timer. */
  untrack(command: CommandInFlight): void {
    delete this.byStep[command.step];
    this.parts.timers.disarm(timerKeyOf(command));
  }

  /** Their part of the runtime to persist: nothing is in flight once the saga `ended`; given-up commands are remembered. */
  toRuntime(ended: boolean): Pick<SagaRuntime, 'pending' | 'abandoned'> {
    return { pending: ended ? {} : this.byStep, ...(this.abandoned.length ? { abandoned: this.abandoned } : {}) };
  }

  /** Gives up on a forward command without its answer: its outcome is unknown, so its compensation is armed. */
  private abandon(command: CommandInFlight, why: string): void {
    this.untrack(command);
    const step = stepOf(this.parts.scope, command);
    const armed = step.compensation ? this.parts.compensations.arm(command, 'outcome-unknown') : undefined;
    this.abandoned.push({
      step: command.step,
      messageId: command.messageId,
      type: command.type,
      ...(armed ? { compensation: armed.messageId } : {}),
    });
    this.abandoned.splice(0, Math.max(0, this.abandoned.length - MAX_ABANDONED));
    const what = `${command.step} (${command.type} ${command.messageId})`;
    this.parts.note(
      armed
        ? `gave up on ${what}, ${why}: its outcome is unknown, so ${armed.type} ${armed.messageId} is armed to undo it`
        : `gave up on ${what}, ${why}: its outcome is unknown and it has no compensation (${step.noCompensation})`,
    );
  }
}
