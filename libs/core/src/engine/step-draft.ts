import type { AnyMachineSnapshot } from 'xstate';
import { CompensationsCompleted, StepFailed } from '../definition/builtin-events';
import type { SagaDefinition } from '../definition/saga-definition';
import { COMMAND_EFFECT } from '../definition/saga-effect';
import { SagaStepError } from '../errors/saga-step.error';
import { armedTimerKeys } from './armed-timers';
import { CommandsInFlight } from './commands-in-flight';
import { Compensations } from './compensations';
import { changedOutcome, unchangedOutcome } from './draft-outcome';
import { MachineRunner, awaitedBy, type MachineRun } from './machine-runner';
import { newCommand, onTheWire } from './outgoing-commands';
import {
  isCompensation,
  type AbandonedCommand,
  type ArmedCompensation,
  type CommandInFlight,
  type CompensationFailure,
  type SagaRuntime,
} from './saga-runtime';
import { retryOf, type DraftTools, type StepScope } from './step-rules';
import type { OutgoingCommand, StepOutcome } from './step-outcome';
import { TimerChanges } from './timer-changes';

/** Runs of the machine one input may cause (an event, then CompensationsCompleted, ...): more is a loop. */
const MAX_MACHINE_RUNS = 100;

/** What a draft starts from: one input to one saga, and the saga as persisted. */
export interface StepDraftInit {
  readonly definition: SagaDefinition;
  readonly sagaId: string;
  /** What the input is (a message type, a timer key, 'start', 'retry'): errors name it. */
  readonly eventType: string;
  /** The machine's persisted snapshot; undefined for a saga being started. */
  readonly snapshot: unknown;
  readonly runtime: SagaRuntime;
  readonly tools: DraftTools;
}

/**
 * One input applied to one saga, as it is being worked out: the machine's
 * runs, and the engine's own rules beside it (docs/architecture.md,
 * "Commands in flight and unknown outcomes"), each in its part: the
 * commands in flight and their retries (CommandsInFlight), the
 * compensations (Compensations), the timers (TimerChanges). After each run
 * of the machine the commands it sent are tracked, those it no longer waits
 * for are given up on, and compensations are run when it asked for them or
 * when it ended with steps given up on.
 *
 * It keeps nothing between inputs: `outcome()` is what the host persists.
 */
export class StepDraft {
  private readonly scope: StepScope;
  private readonly runner: MachineRunner;
  private readonly runtime: SagaRuntime;
  private persisted: unknown;
  private current?: AnyMachineSnapshot;
  private transitions: number;
  private machineRuns = 0;
  private park?: string;
  private readonly sent: OutgoingCommand[] = [];
  private readonly notes: string[] = [];
  private readonly timers = new TimerChanges();
  private readonly compensations: Compensations;
  private readonly inFlight: CommandsInFlight;
  /** Something changed: a machine run, or the engine's own bookkeeping. */
  accepted = false;

  constructor({ definition, sagaId, eventType, snapshot, runtime, tools }: StepDraftInit) {
    const fail = (problem: string) => new SagaStepError(definition.name, definition.version, sagaId, eventType, problem);
    this.scope = { definition, tools, fail };
    this.runner = new MachineRunner(definition, sagaId);
    this.runtime = runtime;
    this.persisted = snapshot;
    this.transitions = runtime.transitions;
    const note = (text: string) => this.note(text);
    this.compensations = new Compensations(this.scope, runtime, note);
    this.inFlight = new CommandsInFlight({ scope: this.scope, runtime, compensations: this.compensations, timers: this.timers, sent: this.sent, note });
  }

  /** The machine as it stands now. */
  get machine(): AnyMachineSnapshot {
    return (this.current ??= this.runner.restore(this.persisted));
  }

  /** The compensation that failed for good, if one did. */
  get failure(): CompensationFailure | undefined {
    return this.compensations.failed;
  }

  /** Adds a line to the history row of this step. */
  note(text: string): void {
    this.notes.push(text);
  }

  // --- the machine -----------------------------------------------------------

  /** Creates the instance from its validated input. */
  start(input: unknown): void {
    this.timers.machineRuns(() => new Set());
    this.apply(this.runner.start(input));
  }

  /** Feeds `event` to the machine; false when its state does not accept it (nothing changed). */
  send(event: { type: string; payload?: unknown }): boolean {
    if (++this.machineRuns > MAX_MACHINE_RUNS) {
      throw this.scope.fail(`it ran its machine ${MAX_MACHINE_RUNS} times for one input (a loop between compensation and the machine?)`);
    }
    const before = this.machine;
    this.timers.machineRuns(() => armedTimerKeys(this.scope.definition.machine, before));
    const run = this.runner.send(before, event);
    if (!run) return false;
    this.apply(run);
    return true;
  }

  /** Takes a run of the machine: its snapshot, timers and commands, then what follows from where it now stands. */
  private apply(run: MachineRun): void {
    this.accepted = true;
    this.transitions++;
    this.persisted = run.persisted;
    this.current = run.after;
    this.timers.machineScheduled(run.scheduled);
    const tracked: CommandInFlight[] = [];
    let compensate = false;
    for (const effect of run.effects) {
      if (effect.type !== COMMAND_EFFECT) {
        compensate = true;
        continue;
      }
      const command = newCommand(this.scope, effect.command, effect.payload);
      const step = effect.step ? this.inFlight.track(effect, command) : undefined;
      if (step) tracked.push(step);
      this.sent.push(step ? onTheWire(this.scope, step) : command);
    }
    this.inFlight.machineMoved(tracked, awaitedBy(run.after), run.after.status === 'done');
    if (compensate) this.compensations.askedByMachine();
    this.runCompensations();
  }

  /** Sends the next compensation when one is due; when none is left, tells the machine that asked (CompensationsCompleted). */
  private runCompensations(): void {
    const waiting = !!this.park || this.inFlight.hasCompensation();
    const next = this.compensations.next(() => this.machine.status === 'done', waiting);
    if (!next) return;
    if ('send' in next) {
      this.inFlight.sendCompensation(next.send);
    } else if (next.finished === 'machine' && !this.send({ type: CompensationsCompleted.type, payload: {} })) {
      throw this.scope.fail(
        `its machine asked for compensation but state ${JSON.stringify(this.machine.value)} does not accept CompensationsCompleted (use compensation())`,
      );
    }
  }

  // --- replies, failures and timers of the commands in flight ------------------

  /** The commands in flight. */
  commandsInFlight(): CommandInFlight[] {
    return this.inFlight.all();
  }

  /** The tracked command a reply of `type` answers: by its causation id, or, without one, by reply type. */
  findInFlight(type: string, causationId: string | undefined, failedCommand?: string): CommandInFlight | undefined {
    return this.inFlight.answering(type, causationId, failedCommand);
  }

  /** The given-up command a late reply answers, by causation id or, without one, by reply type. */
  findAbandoned(type: string, causationId: string | undefined, failedCommand?: string): AbandonedCommand | undefined {
    return this.inFlight.abandonedAnswering(type, causationId, failedCommand);
  }

  /** A reply settled a tracked forward command: its compensation is armed if it says the command took effect. */
  settle(command: CommandInFlight, replyType: string): void {
    this.accepted = true;
    this.inFlight.settle(command, replyType);
  }

  /**
   * A tracked command failed once (a participant's CommandFailed, or its
   * reply timeout): retried while its policy allows. Otherwise a
   * compensation is stuck, waiting for an operator, and a forward step
   * fails: the machine gets StepFailed, and a machine that does not handle
   * it where it stands parks the saga (it could only wait forever).
   */
  attemptFailed(command: CommandInFlight, reason: string, transient: boolean): void {
    this.accepted = true;
    if (this.inFlight.failedOnce(command, reason, transient) === 'retrying') return;
    if (isCompensation(command)) {
      this.compensations.failedForGood(command, reason);
      return;
    }
    const stepFailed = { type: StepFailed.type, payload: { step: command.step, command: command.type, reason, attempts: command.attempt } };
    if (!this.send(stepFailed)) {
      this.park ??= `step ${command.step} failed (${reason}) and state ${JSON.stringify(this.machine.value)} does not handle StepFailed`;
    }
  }

  /** Sends commands in flight again, same message ids (a retry timer, an operator's "retry now"). */
  resend(commands: readonly CommandInFlight[]): void {
    this.accepted = true;
    this.inFlight.resend(commands);
  }

  /** One of the engine's timers fell due: a reply timeout counts as a failed attempt, a retry timer sends again. */
  engineTimerFired(key: string): void {
    const command = this.inFlight.withTimer(key);
    if (command?.timer === 'reply-timeout') {
      this.attemptFailed(command, `no reply within ${retryOf(this.scope, command)?.replyTimeoutMs} ms`, true);
    } else if (command) {
      this.resend([command]);
    }
  }

  /** A reply for a command the saga gave up on: recorded, never taken for a new effect. */
  late(abandoned: AbandonedCommand, replyType: string): void {
    this.accepted = true;
    this.inFlight.late(abandoned, replyType);
  }

  // --- compensations -----------------------------------------------------------

  /** The compensation in flight was confirmed: take it off the stack and go on with the next. */
  confirmed(command: CommandInFlight): void {
    this.accepted = true;
    this.inFlight.untrack(command);
    this.compensations.confirmed(command);
    this.runCompensations();
  }

  /** The compensation that failed for good, if `type` (answering `causationId`) confirms it after all. */
  failedConfirmedBy(type: string, causationId: string | undefined): ArmedCompensation | undefined {
    return this.compensations.failedConfirmedBy(type, causationId);
  }

  /** A confirmation that came after its compensation was given up on: it did take effect, so go on. */
  confirmedLate(armed: ArmedCompensation): void {
    this.accepted = true;
    this.compensations.confirmedLate(armed);
    this.runCompensations();
  }

  /** An operator's retry of the failed compensation: sent again under its message id. */
  retryFailed(by: string): void {
    this.accepted = true;
    this.compensations.retryFailed(by);
    this.runCompensations();
  }

  /** An operator resolved the failed compensation by hand: the saga goes on with the next. */
  resolveFailed(by: string, note?: string): void {
    this.accepted = true;
    this.compensations.resolveFailed(by, note);
    this.runCompensations();
  }

  // --- the outcome ---------------------------------------------------------------

  /** What the host persists for this step, and the commands and timers it must write. */
  outcome(): StepOutcome {
    const machine = this.machine;
    if (!this.accepted) return unchangedOutcome(machine, this.persisted, this.runtime, this.compensations);
    const { definition, tools } = this.scope;
    return changedOutcome({
      machineLogic: definition.machine,
      limits: tools.limits,
      machine,
      persisted: this.persisted,
      transitions: this.transitions,
      parked: this.park,
      inFlight: this.inFlight,
      compensations: this.compensations,
      timers: this.timers,
      sent: this.sent,
      notes: this.notes,
    });
  }
}
