import type { AnyMachineSnapshot } from 'xstate';
import { validatePayload } from '../contracts/payload-validation';
import { CompensationsCompleted, StepFailed } from '../definition/builtin-events';
import { DEFAULT_RETRY, retryDelay } from '../definition/retry-policy';
import { SagaTags } from '../definition/saga-context';
import type { SagaDefinition } from '../definition/saga-definition';
import type { CommandContract } from '../contracts/message-contract';
import { COMMAND_EFFECT, type CommandEffect } from '../definition/saga-effect';
import type { SagaStep } from '../definition/saga-step';
import { SagaStepError } from '../errors/saga-step.error';
import { armedTimerKeys } from './armed-timers';
import { MachineRunner, awaitedBy, type MachineRun } from './machine-runner';
import {
  compensationStepOf,
  forwardStepOf,
  isCompensation,
  replyTimeoutKey,
  retryTimerKey,
  timerKeyOf,
  type AbandonedCommand,
  type ArmedCompensation,
  type CompensationFailure,
  type CommandInFlight,
  type SagaRuntime,
} from './saga-runtime';
import type { SagaLimits } from './saga-engine';
import type { OutgoingCommand, SagaStatus, StepOutcome } from './step-outcome';

/** What a draft needs from the engine that makes it. */
export interface DraftTools {
  readonly newId: () => string;
  readonly random: () => number;
  readonly limits: Required<SagaLimits>;
}

/** Runs of the machine one input may cause (an event, then CompensationsCompleted, ...): more is a loop. */
const MAX_MACHINE_RUNS = 100;
/** Commands given up on that are remembered for their late replies. */
const MAX_ABANDONED = 50;


/**
 * Of commands awaiting an answer, the one a reply of `type` answers: the one
 * its causation id names (if `type` settles it, or it is a CommandFailed for
 * it), or, when the reply names none, the first `type` settles (a
 * CommandFailed: the first of the command type it names).
 */
function findAnswered<T extends { messageId: string; type: string }>(
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

/** The types of the replies that settle a step's forward command: those that say it took effect, and those that say it did not. */
function stepReplies(step: SagaStep<unknown>): string[] {
  return [...step.completedBy, ...step.refusedBy].map((reply) => reply.type);
}

function statusOf(snapshot: AnyMachineSnapshot): SagaStatus {
  if (snapshot.status === 'done') {
    if (snapshot.hasTag(SagaTags.compensated)) return 'compensated';
    if (snapshot.hasTag(SagaTags.aborted)) return 'aborted';
    if (snapshot.hasTag(SagaTags.failed)) return 'failed';
    return 'completed';
  }
  if (snapshot.hasTag(SagaTags.stuck)) return 'stuck';
  return snapshot.hasTag(SagaTags.compensating) ? 'compensating' : 'running';
}

/**
 * One input applied to one saga, as it is being worked out: the machine's
 * runs and the engine's own rules about the commands in flight, in one
 * place. The rules (docs/architecture.md, "Commands in flight and unknown outcomes"):
 *
 * - a step's command is tracked until one of its replies settles it, and
 *   retried under its policy (same message id) while it is not answered;
 * - a reply that says the step took effect arms its compensation;
 * - a step the saga gives up on (retries ran out, or the machine left the
 *   state that waits for it) has an unknown outcome: its compensation is
 *   armed as if it had succeeded, and the command is remembered so a late
 *   reply is recognised and recorded, never taken for a new effect;
 * - armed compensations run newest first, one at a time, each under the
 *   message id chosen when it was armed, when the machine asks for them, or,
 *   once the machine ended, for the steps it gave up on.
 *
 * It keeps nothing between inputs: `outcome()` is what the host persists.
 */
export class StepDraft {
  private persisted: unknown;
  private machineSnapshot?: AnyMachineSnapshot;
  private readonly pending: Record<string, CommandInFlight>;
  private readonly compensations: ArmedCompensation[];
  private compensating?: SagaRuntime['compensating'];
  private compensationFailure?: CompensationFailure;
  private readonly abandoned: AbandonedCommand[];
  private transitions: number;
  private park?: string;
  private readonly commands: OutgoingCommand[] = [];
  private readonly engineTimers = new Map<string, number>();
  private readonly machineTimers = new Map<string, number>();
  private readonly cancelled = new Set<string>();
  private armedBefore?: Set<string>;
  private readonly notes: string[] = [];
  private machineRuns = 0;
  /** Something changed: a machine run, or the engine's own bookkeeping. */
  accepted = false;

  constructor(
    private readonly definition: SagaDefinition,
    private readonly sagaId: string,
    private readonly eventType: string,
    snapshot: unknown,
    private readonly runtime: SagaRuntime,
    private readonly tools: DraftTools,
    private readonly runner = new MachineRunner(definition, sagaId),
  ) {
    this.persisted = snapshot;
    this.pending = { ...runtime.pending };
    this.compensations = [...(runtime.compensations ?? [])];
    this.compensating = runtime.compensating;
    this.compensationFailure = runtime.compensationFailure;
    this.abandoned = [...(runtime.abandoned ?? [])];
    this.transitions = runtime.transitions;
    if (snapshot === undefined) this.armedBefore = new Set();
  }

  /** The machine as it stands now. */
  get machine(): AnyMachineSnapshot {
    return (this.machineSnapshot ??= this.runner.restore(this.persisted));
  }

  get failure(): CompensationFailure | undefined {
    return this.compensationFailure;
  }

  /** Adds a line to the history row of this step. */
  note(text: string): void {
    this.notes.push(text);
  }

  // --- the machine -----------------------------------------------------------

  /** Creates the instance from its validated input. */
  start(input: unknown): void {
    this.apply(this.runner.start(input));
  }

  /** Feeds `event` to the machine; false when its state does not accept it (nothing changed). */
  send(event: { type: string; payload?: unknown }): boolean {
    if (++this.machineRuns > MAX_MACHINE_RUNS) {
      throw this.fail(`it ran its machine ${MAX_MACHINE_RUNS} times for one input (a loop between compensation and the machine?)`);
    }
    const before = this.machine;
    this.armedBefore ??= armedTimerKeys(this.definition.machine, before);
    const run = this.runner.send(before, event);
    if (!run) return false;
    this.apply(run);
    return true;
  }

  private apply(run: MachineRun): void {
    this.accepted = true;
    this.transitions++;
    this.persisted = run.persisted;
    this.machineSnapshot = run.after;
    run.scheduled.forEach((timer) => this.machineTimers.set(timer.key, timer.delayMs));
    const sent: CommandInFlight[] = [];
    let compensate = false;
    for (const effect of run.effects) {
      if (effect.type !== COMMAND_EFFECT) {
        compensate = true;
        continue;
      }
      const command = this.resolve(effect.command, effect.payload);
      const tracked = effect.step ? this.track(effect, command) : undefined;
      if (tracked) sent.push(tracked);
      this.commands.push(tracked ? this.outgoing(tracked) : command);
    }
    const awaits = awaitedBy(run.after);
    for (const step of sent) {
      if (!awaits(this.settledBy(step))) {
        throw this.fail(`it sends ${step.type} for step "${step.step}" from a state that accepts none of its replies (${this.settledBy(step).join(', ')})`);
      }
    }
    // A step whose state the machine left, without its reply, is given up on.
    for (const pending of Object.values(this.pending)) {
      if (!isCompensation(pending) && !awaits(this.settledBy(pending))) {
        this.abandon(pending, run.after.status === 'done' ? 'the saga ended without it' : 'the saga left the state that waits for it');
      }
    }
    if (compensate) this.compensating = 'machine';
    this.runCompensations();
  }

  // --- commands in flight ------------------------------------------------------

  /** Starts tracking a step's command; the payload of its compensation is checked against its contract now. */
  private track(effect: CommandEffect, command: OutgoingCommand): CommandInFlight {
    const name = effect.step!;
    const step = this.definition.steps.get(name);
    if (!step) throw this.fail(`it sends ${command.type} for step "${name}", which is not in the saga's "steps". Declare it there.`);
    if (step.command.type !== command.type) throw this.fail(`step "${name}" sends ${step.command.type}, not ${command.type}.`);
    const replaced = this.pending[name];
    if (replaced) this.abandon(replaced, `its step sent ${command.type} again`);
    const replyTimeoutMs = step.retry?.replyTimeoutMs;
    const pending: CommandInFlight = {
      step: name,
      messageId: command.messageId,
      type: command.type,
      payload: command.payload,
      attempt: 1,
      ...(replyTimeoutMs ? { timer: 'reply-timeout' as const } : {}),
      ...(step.compensation ? { undo: this.validated(step.compensation.command.type, effect.undo, name).payload } : {}),
    };
    this.pending[name] = pending;
    if (replyTimeoutMs) this.armTimer(replyTimeoutKey(name), replyTimeoutMs);
    return pending;
  }

  /** The definition's step a command in flight belongs to (a compensation: the step it undoes). */
  private stepOf(pending: { step: string }): SagaStep<unknown> {
    const name = forwardStepOf(pending.step);
    const step = this.definition.steps.get(name);
    if (!step) throw this.fail(`it has a command in flight for step "${name}", which this version of the saga does not declare.`);
    return step;
  }

  /** The replies that settle a command in flight. */
  private settledBy(pending: CommandInFlight): string[] {
    const step = this.stepOf(pending);
    return isCompensation(pending) ? [step.compensation!.confirmedBy.type] : stepReplies(step);
  }

  private completes(step: SagaStep<unknown>, replyType: string): boolean {
    return step.completedBy.some((reply) => reply.type === replyType);
  }

  private retryOf(pending: CommandInFlight) {
    const step = this.stepOf(pending);
    return isCompensation(pending) ? step.compensation!.retry : step.retry;
  }

  /** A command in flight as it goes on the wire. */
  private outgoing(pending: CommandInFlight): OutgoingCommand {
    const contract = this.definition.commands.get(pending.type);
    if (!contract) throw this.fail(`it has ${pending.type} in flight, which this version of the saga does not declare in "commands".`);
    return {
      messageId: pending.messageId,
      type: pending.type,
      version: contract.version,
      participant: contract.participant,
      payload: pending.payload,
      step: pending.step,
      attempt: pending.attempt,
      ...(pending.compensates ? { compensates: pending.compensates } : {}),
    };
  }

  /** The tracked command `message` answers: by its causation id, or, without one, by reply type. */
  findPending(type: string, causationId: string | undefined, failedCommand?: string): CommandInFlight | undefined {
    return findAnswered(Object.values(this.pending), (p, t) => this.settledBy(p).includes(t), type, causationId, failedCommand);
  }

  /** The given-up command a late reply answers, by causation id or, without one, by reply type. */
  findAbandoned(type: string, causationId: string | undefined, failedCommand?: string): AbandonedCommand | undefined {
    return findAnswered(this.abandoned, (a, t) => stepReplies(this.stepOf(a)).includes(t), type, causationId, failedCommand);
  }

  /** A reply settled a tracked forward command: arm its compensation if it says the command took effect. */
  settle(pending: CommandInFlight, replyType: string): void {
    this.untrack(pending);
    this.accepted = true;
    const step = this.stepOf(pending);
    if (step.compensation && this.completes(step, replyType)) this.arm(pending, 'completed');
  }

  /**
   * A tracked command failed once (a participant's CommandFailed, or its
   * reply timeout). Transient: retried while its policy allows. Otherwise
   * the engine gives up on it: a compensation is stuck; a forward step fails
   * (StepFailed), its outcome unknown unless the participant said it had no
   * effect.
   */
  attemptFailed(pending: CommandInFlight, reason: string, transient: boolean): void {
    this.accepted = true;
    const retry = this.retryOf(pending);
    const maxAttempts = retry?.maxAttempts ?? (retry ? DEFAULT_RETRY.maxAttempts : 1);
    if (transient && pending.attempt < maxAttempts) {
      this.disarmTimer(timerKeyOf(pending));
      this.pending[pending.step] = { ...pending, timer: 'retry' };
      this.armTimer(retryTimerKey(pending.step), retryDelay(retry ?? {}, pending.attempt, this.tools.random));
      return;
    }
    if (isCompensation(pending)) {
      this.untrack(pending);
      this.compensationFailure = { step: pending.step, command: pending.type, messageId: pending.messageId, reason, attempts: pending.attempt };
      this.note(`${pending.type} ${pending.messageId} failed for good after ${pending.attempt} attempt(s): ${reason}; the saga waits for an operator to retry or resolve it`);
      return;
    }
    if (transient) {
      this.abandon(pending, `${pending.attempt} attempt(s) ran out (${reason})`);
    } else {
      this.untrack(pending);
    }
    const stepFailed = { type: StepFailed.type, payload: { step: pending.step, command: pending.type, reason, attempts: pending.attempt } };
    if (!this.send(stepFailed)) {
      // Nothing in the machine handles this failure where it stands: it could only wait forever.
      this.park ??= `step ${pending.step} failed (${reason}) and state ${JSON.stringify(this.machine.value)} does not handle StepFailed`;
    }
  }

  /** Sends commands in flight again, same message ids (a retry timer, an operator's "retry now"). */
  resend(commands: readonly CommandInFlight[]): void {
    this.accepted = true;
    for (const pending of commands) {
      this.disarmTimer(timerKeyOf(pending));
      const replyTimeoutMs = this.retryOf(pending)?.replyTimeoutMs;
      const again: CommandInFlight = { ...pending, attempt: pending.attempt + 1, timer: replyTimeoutMs ? 'reply-timeout' : undefined };
      this.pending[pending.step] = again;
      if (replyTimeoutMs) this.armTimer(replyTimeoutKey(pending.step), replyTimeoutMs);
      this.commands.push(this.outgoing(again));
    }
  }

  /** One of the engine's timers fell due: a reply timeout counts as a failed attempt, a retry timer sends again. */
  engineTimerFired(key: string): void {
    const pending = Object.values(this.pending).find((p) => timerKeyOf(p) === key);
    if (pending?.timer === 'reply-timeout') {
      this.attemptFailed(pending, `no reply within ${this.retryOf(pending)?.replyTimeoutMs} ms`, true);
    } else if (pending) {
      this.resend([pending]);
    }
  }

  inFlight(): CommandInFlight[] {
    return Object.values(this.pending);
  }

  /** Gives up on a forward command without its answer: its outcome is unknown. */
  private abandon(pending: CommandInFlight, why: string): void {
    this.untrack(pending);
    const step = this.stepOf(pending);
    const armed = step.compensation ? this.arm(pending, 'outcome-unknown') : undefined;
    this.abandoned.push({
      step: pending.step,
      messageId: pending.messageId,
      type: pending.type,
      ...(armed ? { compensation: armed.messageId } : {}),
    });
    this.abandoned.splice(0, Math.max(0, this.abandoned.length - MAX_ABANDONED));
    const what = `${pending.step} (${pending.type} ${pending.messageId})`;
    this.note(
      armed
        ? `gave up on ${what}, ${why}: its outcome is unknown, so ${armed.type} ${armed.messageId} is armed to undo it`
        : `gave up on ${what}, ${why}: its outcome is unknown and it has no compensation (${step.noCompensation})`,
    );
  }

  /** A reply for a command the saga gave up on: recorded, never taken for a new effect. */
  late(abandoned: AbandonedCommand, replyType: string): void {
    this.accepted = true;
    this.abandoned.splice(this.abandoned.indexOf(abandoned), 1);
    const step = this.stepOf(abandoned);
    const what = `late ${replyType} for ${abandoned.step} (${abandoned.type} ${abandoned.messageId}), after the saga gave up on it`;
    if (!this.completes(step, replyType)) {
      this.note(`${what}: it reports no effect`);
    } else if (abandoned.compensation) {
      this.note(`${what}: it took effect; ${step.compensation!.command.type} ${abandoned.compensation}, armed when the saga gave up, undoes it`);
    } else {
      this.note(`${what}: it took effect and stays, having no compensation (${step.noCompensation})`);
    }
  }

  private untrack(pending: CommandInFlight): void {
    delete this.pending[pending.step];
    this.disarmTimer(timerKeyOf(pending));
  }

  // --- compensations -----------------------------------------------------------

  private arm(pending: CommandInFlight, because: ArmedCompensation['because']): ArmedCompensation {
    const undo = this.stepOf(pending).compensation!.command;
    const armed: ArmedCompensation = {
      step: pending.step,
      messageId: this.tools.newId(),
      type: undo.type,
      payload: pending.undo,
      compensates: pending.messageId,
      because,
    };
    this.compensations.push(armed);
    return armed;
  }

  /**
   * Sends the next compensation when none is in flight; when none is left,
   * tells the machine (CompensationsCompleted). Once the machine has ended,
   * compensations of the steps it gave up on are run all the same.
   */
  private runCompensations(): void {
    if (!this.compensating) {
      const ended = this.machine.status === 'done';
      if (!ended || !this.compensations.some((c) => c.because === 'outcome-unknown')) return;
      this.compensating = 'cleanup';
    }
    if (this.compensationFailure || this.park) return;
    if (Object.values(this.pending).some(isCompensation)) return;
    const next =
      this.compensating === 'cleanup'
        ? [...this.compensations].reverse().find((c) => c.because === 'outcome-unknown')
        : this.compensations[this.compensations.length - 1];
    if (next) {
      this.sendCompensation(next);
      return;
    }
    const asked = this.compensating;
    this.compensating = undefined;
    if (asked === 'machine' && !this.send({ type: CompensationsCompleted.type, payload: {} })) {
      throw this.fail(`its machine asked for compensation but state ${JSON.stringify(this.machine.value)} does not accept CompensationsCompleted (use compensation())`);
    }
  }

  private sendCompensation(armed: ArmedCompensation): void {
    const step = compensationStepOf(armed.step);
    const replyTimeoutMs = this.stepOf(armed).compensation!.retry?.replyTimeoutMs;
    const pending: CommandInFlight = {
      step,
      messageId: armed.messageId,
      type: armed.type,
      payload: armed.payload,
      attempt: 1,
      compensates: armed.compensates,
      ...(replyTimeoutMs ? { timer: 'reply-timeout' as const } : {}),
    };
    this.pending[step] = pending;
    if (replyTimeoutMs) this.armTimer(replyTimeoutKey(step), replyTimeoutMs);
    this.commands.push(this.outgoing(pending));
  }

  /** The compensation in flight was confirmed: take it off the stack and go on with the next. */
  confirmed(pending: CommandInFlight): void {
    this.untrack(pending);
    this.accepted = true;
    this.remove(pending.messageId);
    this.runCompensations();
  }

  /** The compensation that failed for good, if `type` (answering `causationId`) confirms it after all. */
  failedConfirmedBy(type: string, causationId: string | undefined): ArmedCompensation | undefined {
    const failure = this.compensationFailure;
    const armed = failure && this.compensations.find((c) => c.messageId === failure.messageId);
    if (!armed || this.stepOf(armed).compensation!.confirmedBy.type !== type) return undefined;
    return !causationId || causationId === armed.messageId ? armed : undefined;
  }

  /** A confirmation that came after its compensation was given up on: it did take effect, so go on. */
  confirmedLate(armed: ArmedCompensation): void {
    this.accepted = true;
    this.remove(armed.messageId);
    this.compensationFailure = undefined;
    this.note(`late confirmation of ${armed.type} ${armed.messageId}, after it was given up on: the saga goes on undoing`);
    this.runCompensations();
  }

  /** An operator's retry of the failed compensation: sent again under its message id. */
  retryFailed(by: string): void {
    const failure = this.compensationFailure!;
    this.accepted = true;
    this.compensationFailure = undefined;
    this.note(`${by} retries ${failure.command} ${failure.messageId} (same message id)`);
    this.runCompensations();
  }

  /** An operator resolved the failed compensation by hand: the saga goes on with the next. */
  resolveFailed(by: string, note?: string): void {
    const failure = this.compensationFailure!;
    this.accepted = true;
    this.remove(failure.messageId);
    this.compensationFailure = undefined;
    this.note(`${by} resolved ${failure.command} ${failure.messageId} by hand${note ? `: ${note}` : ''}`);
    this.runCompensations();
  }

  private remove(messageId: string): void {
    const index = this.compensations.findIndex((c) => c.messageId === messageId);
    if (index >= 0) this.compensations.splice(index, 1);
  }

  // --- the outcome ---------------------------------------------------------------

  private armTimer(key: string, delayMs: number): void {
    this.cancelled.delete(key);
    this.engineTimers.set(key, delayMs);
  }

  private disarmTimer(key: string | undefined): void {
    if (!key) return;
    this.engineTimers.delete(key);
    this.cancelled.add(key);
  }

  /** A command to send: its contract, validated payload and a new message id. */
  private resolve(type: string, payload: unknown): OutgoingCommand {
    const { contract, payload: valid } = this.validated(type, payload);
    return { messageId: this.tools.newId(), type: contract.type, version: contract.version, participant: contract.participant, payload: valid };
  }

  /**
   * A command's contract and its payload validated against it (`undoing`:
   * the step whose compensation it is); a bad one fails the step, nothing
   * is persisted.
   */
  private validated(type: string, payload: unknown, undoing?: string): { contract: CommandContract; payload: unknown } {
    const contract = this.definition.commands.get(type);
    if (!contract) {
      const what = undoing ? `step "${undoing}" is undone by command "${type}"` : `it sends command "${type}"`;
      throw this.fail(`${what}, which the saga does not declare in "commands".`);
    }
    const parsed = validatePayload(contract, payload);
    if (!parsed.ok) {
      const issues = parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
      throw this.fail(`${undoing ? `the compensation of step "${undoing}", ` : ''}command ${type} has an invalid payload: ${issues}`);
    }
    return { contract, payload: parsed.value };
  }

  private fail(problem: string): SagaStepError {
    return new SagaStepError(this.definition.name, this.definition.version, this.sagaId, this.eventType, problem);
  }

  /** What the host persists for this step, and the commands and timers it must write. */
  outcome(): StepOutcome {
    const machine = this.machine;
    if (!this.accepted) {
      return {
        accepted: false,
        snapshot: this.persisted,
        stateValue: machine.value,
        status: this.statusNow(machine),
        output: machine.output,
        context: machine.context,
        commands: [],
        timers: { schedule: [], cancel: [] },
        runtime: this.runtime,
      };
    }
    const { maxTransitions, maxCommandsInFlight } = this.tools.limits;
    const inFlight = Object.keys(this.pending).length;
    if (!this.park && this.transitions > maxTransitions) this.park = `it took more than ${maxTransitions} transitions (a loop?)`;
    if (!this.park && inFlight > maxCommandsInFlight) this.park = `it had ${inFlight} commands in flight, more than ${maxCommandsInFlight}`;
    const status: SagaStatus = this.park ? 'failed' : this.statusNow(machine);
    const ended = !!this.park || (machine.status === 'done' && !this.compensating && !this.compensationFailure);

    const armedAfter = armedTimerKeys(this.definition.machine, machine);
    const cancel = new Set(this.cancelled);
    this.armedBefore?.forEach((key) => !armedAfter.has(key) && cancel.add(key));
    const schedule = ended
      ? []
      : [
          ...[...this.machineTimers].filter(([key]) => armedAfter.has(key)),
          ...[...this.engineTimers],
        ].map(([key, delayMs]) => ({ key, delayMs }));
    if (ended) {
      // Nothing may fire or be retried for an instance that ended.
      for (const key of [...Object.values(this.pending).map(timerKeyOf), ...armedAfter]) if (key) cancel.add(key);
    }
    // A timer armed again in this step (its state re-entered, a retry re-armed) is an upsert, not a cancel.
    schedule.forEach((timer) => cancel.delete(timer.key));

    const runtime: SagaRuntime = {
      pending: ended ? {} : this.pending,
      transitions: this.transitions,
      ...(this.park ? { parked: { reason: this.park } } : {}),
      ...(!ended && this.compensations.length ? { compensations: this.compensations } : {}),
      ...(!ended && this.compensating ? { compensating: this.compensating } : {}),
      ...(!ended && this.compensationFailure ? { compensationFailure: this.compensationFailure } : {}),
      ...(this.abandoned.length ? { abandoned: this.abandoned } : {}),
    };
    return {
      accepted: true,
      snapshot: this.persisted,
      stateValue: machine.value,
      status,
      output: machine.output,
      context: machine.context,
      commands: this.park ? [] : this.commands,
      timers: { schedule, cancel: [...cancel] },
      runtime,
      parkedBecause: this.park,
      ...(this.notes.length ? { note: this.notes.join('; ') } : {}),
    };
  }

  private statusNow(machine: AnyMachineSnapshot): SagaStatus {
    if (this.compensationFailure) return 'stuck';
    if (machine.status === 'done' && this.compensating) return 'compensating';
    return statusOf(machine);
  }
}
