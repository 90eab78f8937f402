import { createActor, type Actor, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import { validatePayload } from '../contracts/payload-validation';
import { CommandFailed, StepFailed } from '../definition/builtin-events';
import { DEFAULT_RETRY, retryDelay } from '../definition/retry-policy';
import { SagaTags } from '../definition/saga-context';
import type { SagaDefinition } from '../definition/saga-definition';
import { COMMAND_EFFECT, type CommandEffect } from '../definition/saga-effect';
import type { SagaEvent } from '../definition/saga-event';
import { InvalidMessageError } from '../errors/invalid-message.error';
import { SagaRestoreError } from '../errors/saga-restore.error';
import { SagaStepError } from '../errors/saga-step.error';
import { UnknownMessageTypeError } from '../errors/unknown-message-type.error';
import { uuidv7 } from '../util/uuid-v7';
import { armedTimerKeys } from './armed-timers';
import {
  EMPTY_RUNTIME,
  replyTimeoutKey,
  retryTimerKey,
  timerKeyOf,
  type PendingCommand,
  type SagaRuntime,
} from './saga-runtime';
import type { OutgoingCommand, SagaStatus, StepOutcome, TimerToSchedule } from './step-outcome';

/** An inbound message as the engine sees it: type, sender's schema version, raw payload. */
export interface InboundMessage {
  readonly type: string;
  readonly version: number;
  readonly payload: unknown;
  /** The message it answers (a participant's reply names its command). */
  readonly causationId?: string;
}

/** A saga as persisted: the machine's snapshot and the engine's runtime. */
export interface PersistedSaga {
  readonly snapshot: unknown;
  readonly runtime?: SagaRuntime;
}

/** Bounds on one instance, against runaway loops and event storms. */
export interface SagaLimits {
  /** Transitions an instance may take before it is parked as failed. @default 1000 */
  maxTransitions?: number;
  /** Commands an instance may have in flight (awaiting their reply) at once. @default 50 */
  maxCommandsInFlight?: number;
}

export interface SagaEngineOptions {
  /** Message ids of commands. @default uuidv7 */
  newId?: () => string;
  /** Randomness for retry jitter. @default Math.random */
  random?: () => number;
  limits?: SagaLimits;
}

/**
 * XState hands delayed events to this clock. It never fires them: Baton keeps
 * timers in the database and feeds them back as events when they are due.
 */
const DURABLE_TIMERS_CLOCK = {
  setTimeout: () => 0,
  clearTimeout: () => undefined,
};

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

/** What one run of the machine produced, before the engine's own bookkeeping. */
interface MachineRun {
  accepted: boolean;
  /** Taken before the actor stops: a stopped actor's snapshot would restore as stopped. */
  persisted: unknown;
  after: AnyMachineSnapshot;
  effects: CommandEffect[];
  armedBefore: Set<string>;
  scheduled: TimerToSchedule[];
}

/**
 * The pure step engine: restores a saga from its persisted snapshot, feeds it
 * one event and reports what changed and which effects it recorded. It also
 * keeps the instance's commands in flight, retrying them under their step's
 * policy, and parks an instance that crosses its bounds. It does no I/O and
 * keeps nothing between calls, so any host replica can run any step.
 */
export class SagaEngine {
  private readonly newId: () => string;
  private readonly random: () => number;
  private readonly limits: Required<SagaLimits>;

  constructor(options: SagaEngineOptions = {}) {
    this.newId = options.newId ?? uuidv7;
    this.random = options.random ?? Math.random;
    this.limits = { maxTransitions: 1000, maxCommandsInFlight: 50, ...options.limits };
  }

  /** Creates a new instance from its (unvalidated) input and runs its initial entry actions. */
  start(definition: SagaDefinition, sagaId: string, input: unknown): StepOutcome {
    const parsed = validatePayload({ kind: 'event', type: 'input', version: 1, schema: definition.input }, input);
    if (!parsed.ok) {
      throw new InvalidMessageError('input', parsed.issues, `Saga "${definition.name}" v${definition.version}`);
    }
    const run = this.runMachine(definition, sagaId, 'start', undefined, parsed.value, undefined);
    return this.settle(definition, sagaId, 'start', run, EMPTY_RUNTIME, { pending: {}, cancel: [], schedule: [], resend: [] });
  }

  /**
   * Feeds a reply or event, validated (and upcast) against the saga's
   * contracts. A `CommandFailed` for a tracked command is the engine's:
   * retried while the policy allows, otherwise turned into `StepFailed`.
   */
  receive(definition: SagaDefinition, sagaId: string, saga: PersistedSaga, message: InboundMessage): StepOutcome {
    const event = this.toEvent(definition, sagaId, message);
    const runtime = saga.runtime ?? EMPTY_RUNTIME;
    if (event.type === CommandFailed.type) {
      const failure = event.payload as { command: string; reason: string; transient: boolean };
      const pending = Object.values(runtime.pending).find(
        (p) => p.command.messageId === message.causationId || (!message.causationId && p.command.type === failure.command),
      );
      if (pending) return this.attemptFailed(definition, sagaId, saga, pending, failure.reason, failure.transient);
    }
    const settled = Object.values(runtime.pending).filter((p) => p.settledBy.includes(event.type));
    const run = this.runMachine(definition, sagaId, message.type, saga.snapshot, undefined, event);
    if (!run.accepted) return this.unchanged(run, runtime);
    const pending = { ...runtime.pending };
    settled.forEach((p) => delete pending[p.step]);
    const cancel = settled.map(timerKeyOf).filter((key): key is string => !!key);
    return this.settle(definition, sagaId, message.type, run, runtime, { pending, cancel, schedule: [], resend: [] });
  }

  /** Fires a durable timer: an `after` of the machine, or one of the engine's retry timers. */
  fireTimer(definition: SagaDefinition, sagaId: string, saga: PersistedSaga, key: string): StepOutcome {
    const runtime = saga.runtime ?? EMPTY_RUNTIME;
    const pending = Object.values(runtime.pending).find((p) => timerKeyOf(p) === key);
    if (key.startsWith('baton.')) {
      const run = this.runMachine(definition, sagaId, key, saga.snapshot, undefined, undefined);
      if (!pending) return this.unchanged({ ...run, accepted: false }, runtime);
      if (pending.timer === 'reply-timeout') {
        const waited = pending.retry?.replyTimeoutMs;
        return this.attemptFailed(definition, sagaId, saga, pending, `no reply within ${waited} ms`, true);
      }
      return this.resend(definition, sagaId, saga, [pending], runtime);
    }
    const run = this.runMachine(definition, sagaId, key, saga.snapshot, undefined, { type: key });
    if (!run.accepted) return this.unchanged(run, runtime);
    return this.settle(definition, sagaId, key, run, runtime, { pending: runtime.pending, cancel: [], schedule: [], resend: [] });
  }

  /**
   * An operator's "retry now": every command in flight is sent again at once
   * (same message ids), its retry timer cancelled. Not accepted when nothing
   * is in flight.
   */
  retryNow(definition: SagaDefinition, sagaId: string, saga: PersistedSaga): StepOutcome {
    const runtime = saga.runtime ?? EMPTY_RUNTIME;
    const inFlight = Object.values(runtime.pending);
    if (!inFlight.length) {
      const run = this.runMachine(definition, sagaId, 'retry', saga.snapshot, undefined, undefined);
      return this.unchanged({ ...run, accepted: false }, runtime);
    }
    return this.resend(definition, sagaId, saga, inFlight, runtime);
  }

  /** Event types the saga accepts in its current state, of those in `candidates`. */
  acceptedEvents(definition: SagaDefinition, sagaId: string, saga: PersistedSaga, candidates: readonly string[]): string[] {
    const actor = this.restore(definition, sagaId, saga.snapshot, undefined);
    actor.start();
    try {
      const snapshot = actor.getSnapshot();
      return candidates.filter((type) => snapshot.can({ type, payload: {} } as any));
    } finally {
      actor.stop();
    }
  }

  /** Validates a message against the saga's contracts and turns it into the machine's event. */
  toEvent(definition: SagaDefinition, sagaId: string, message: InboundMessage): SagaEvent {
    const contract = definition.events.get(message.type);
    if (!contract) {
      throw new UnknownMessageTypeError(message.type, definition.name, definition.version, [...definition.events.keys()]);
    }
    const parsed = validatePayload(contract, message.payload, message.version);
    if (!parsed.ok) {
      throw new InvalidMessageError(
        message.type,
        parsed.issues,
        `Saga "${definition.name}" v${definition.version} instance ${sagaId}`,
      );
    }
    return { type: message.type, payload: parsed.value };
  }

  /** A tracked command failed once: retry it if its policy allows, else fail its step in the machine. */
  private attemptFailed(
    definition: SagaDefinition,
    sagaId: string,
    saga: PersistedSaga,
    pending: PendingCommand,
    reason: string,
    transient: boolean,
  ): StepOutcome {
    const runtime = saga.runtime ?? EMPTY_RUNTIME;
    const maxAttempts = pending.retry?.maxAttempts ?? (pending.retry ? DEFAULT_RETRY.maxAttempts : 1);
    const previousTimer = timerKeyOf(pending);
    if (transient && pending.attempt < maxAttempts) {
      const delayMs = retryDelay(pending.retry ?? {}, pending.attempt, this.random);
      const run = this.runMachine(definition, sagaId, CommandFailed.type, saga.snapshot, undefined, undefined);
      const waiting: PendingCommand = { ...pending, timer: 'retry' };
      return this.settle(definition, sagaId, CommandFailed.type, { ...run, accepted: true }, runtime, {
        pending: { ...runtime.pending, [pending.step]: waiting },
        cancel: previousTimer ? [previousTimer] : [],
        schedule: [{ key: retryTimerKey(pending.step), delayMs }],
        resend: [],
        countsAsTransition: false,
      });
    }
    const pendingLeft = { ...runtime.pending };
    delete pendingLeft[pending.step];
    const stepFailed = {
      type: StepFailed.type,
      payload: { step: pending.step, command: pending.command.type, reason, attempts: pending.attempt },
    };
    const run = this.runMachine(definition, sagaId, StepFailed.type, saga.snapshot, undefined, stepFailed);
    const cancel = previousTimer ? [previousTimer] : [];
    if (!run.accepted) {
      // Nothing in the machine handles this failure where it stands: it could only wait forever.
      return this.settle(definition, sagaId, StepFailed.type, { ...run, accepted: true }, runtime, {
        pending: pendingLeft,
        cancel,
        schedule: [],
        resend: [],
        park: `step ${pending.step} failed (${reason}) and state ${JSON.stringify(run.after.value)} does not handle StepFailed`,
      });
    }
    return this.settle(definition, sagaId, StepFailed.type, run, runtime, { pending: pendingLeft, cancel, schedule: [], resend: [] });
  }

  private resend(
    definition: SagaDefinition,
    sagaId: string,
    saga: PersistedSaga,
    commands: PendingCommand[],
    runtime: SagaRuntime,
  ): StepOutcome {
    const run = this.runMachine(definition, sagaId, 'retry', saga.snapshot, undefined, undefined);
    const pending = { ...runtime.pending };
    const cancel: string[] = [];
    const schedule: TimerToSchedule[] = [];
    const resend: OutgoingCommand[] = [];
    for (const p of commands) {
      const timer = timerKeyOf(p);
      if (timer) cancel.push(timer);
      const again: PendingCommand = {
        ...p,
        attempt: p.attempt + 1,
        command: { ...p.command, attempt: p.attempt + 1 },
        timer: p.retry?.replyTimeoutMs ? 'reply-timeout' : undefined,
      };
      pending[p.step] = again;
      if (again.timer) schedule.push({ key: replyTimeoutKey(p.step), delayMs: p.retry!.replyTimeoutMs! });
      resend.push(again.command);
    }
    return this.settle(definition, sagaId, 'retry', { ...run, accepted: true }, runtime, {
      pending,
      cancel: cancel.filter((key) => !schedule.some((s) => s.key === key)),
      schedule,
      resend,
      countsAsTransition: false,
    });
  }

  /**
   * Turns a machine run plus the engine's bookkeeping into the outcome:
   * commands (new ones tracked, resent ones as they were), timers to arm and
   * disarm, the new runtime, the status; parks the instance if a bound is
   * crossed.
   */
  private settle(
    definition: SagaDefinition,
    sagaId: string,
    eventType: string,
    run: MachineRun,
    runtime: SagaRuntime,
    change: {
      pending: Record<string, PendingCommand>;
      cancel: string[];
      schedule: TimerToSchedule[];
      resend: OutgoingCommand[];
      countsAsTransition?: boolean;
      park?: string;
    },
  ): StepOutcome {
    const fail = (problem: string) => new SagaStepError(definition.name, definition.version, sagaId, eventType, problem);
    const pending = { ...change.pending };
    const cancel = new Set(change.cancel);
    const schedule = [...change.schedule];
    const commands = [...change.resend];
    for (const effect of run.effects) {
      const command = this.resolveCommand(definition, effect, fail);
      commands.push(command);
      if (!effect.step || !effect.settledBy?.length) continue;
      const replaced = pending[effect.step];
      const replacedTimer = replaced && timerKeyOf(replaced);
      if (replacedTimer) cancel.add(replacedTimer);
      const replyTimeoutMs = effect.retry?.replyTimeoutMs;
      pending[effect.step] = {
        step: effect.step,
        command: { ...command, step: effect.step, attempt: 1 },
        settledBy: effect.settledBy,
        retry: effect.retry,
        attempt: 1,
        timer: replyTimeoutMs ? 'reply-timeout' : undefined,
      };
      if (replyTimeoutMs) schedule.push({ key: replyTimeoutKey(effect.step), delayMs: replyTimeoutMs });
    }
    const armedAfter = armedTimerKeys(definition.machine, run.after);
    run.armedBefore.forEach((key) => !armedAfter.has(key) && cancel.add(key));
    schedule.push(...run.scheduled);

    const transitions = runtime.transitions + (change.countsAsTransition === false ? 0 : 1);
    let park = change.park;
    if (!park && transitions > this.limits.maxTransitions) {
      park = `it took more than ${this.limits.maxTransitions} transitions (a loop?)`;
    }
    const inFlight = Object.keys(pending).length;
    if (!park && inFlight > this.limits.maxCommandsInFlight) {
      park = `it had ${inFlight} commands in flight, more than ${this.limits.maxCommandsInFlight}`;
    }
    let status = statusOf(run.after);
    const done = run.after.status === 'done' || !!park;
    if (done) {
      // Nothing may fire or be retried for an instance that ended.
      Object.values(pending).forEach((p) => {
        const key = timerKeyOf(p);
        if (key) cancel.add(key);
      });
      armedAfter.forEach((key) => cancel.add(key));
    }
    if (park) status = 'failed';
    // A timer armed again in this step (its state re-entered, a retry re-armed) is an upsert, not a cancel.
    const scheduleNow = done ? [] : schedule;
    scheduleNow.forEach((timer) => cancel.delete(timer.key));
    return {
      accepted: true,
      snapshot: run.persisted,
      stateValue: run.after.value,
      status,
      output: run.after.output,
      context: run.after.context,
      commands: park ? [] : commands,
      timers: { schedule: scheduleNow, cancel: [...cancel] },
      runtime: { pending: done ? {} : pending, transitions, ...(park ? { parked: { reason: park } } : {}) },
      parkedBecause: park,
    };
  }

  private unchanged(run: MachineRun, runtime: SagaRuntime): StepOutcome {
    return {
      accepted: false,
      snapshot: run.persisted,
      stateValue: run.after.value,
      status: statusOf(run.after),
      output: run.after.output,
      context: run.after.context,
      commands: [],
      timers: { schedule: [], cancel: [] },
      runtime,
    };
  }

  private runMachine(
    definition: SagaDefinition,
    sagaId: string,
    eventType: string,
    snapshot: unknown,
    input: unknown,
    event: { type: string } | undefined,
  ): MachineRun {
    const fail = (problem: string, cause?: unknown) =>
      new SagaStepError(definition.name, definition.version, sagaId, eventType, problem, { cause });
    const actor = this.restore(definition, sagaId, snapshot, input);
    const effects: CommandEffect[] = [];
    let thrown: unknown;
    actor.on(COMMAND_EFFECT, (effect: CommandEffect) => effects.push(effect));
    actor.subscribe({ error: (error: unknown) => (thrown = error) });
    try {
      actor.start();
      const before = actor.getSnapshot();
      const armedBefore = snapshot === undefined ? new Set<string>() : armedTimerKeys(definition.machine, before);
      if (event && !before.can(event)) {
        return { accepted: false, persisted: actor.getPersistedSnapshot(), after: before, effects: [], armedBefore, scheduled: [] };
      }
      if (event) actor.send(event);
      const after = actor.getSnapshot();
      if (thrown !== undefined || after.status === 'error') {
        const cause = thrown ?? after.error;
        throw fail(`an action threw: ${cause instanceof Error ? cause.message : String(cause)}`, cause);
      }
      const scheduled = this.scheduledTimers(actor, fail);
      return { accepted: true, persisted: actor.getPersistedSnapshot(), after, effects, armedBefore, scheduled };
    } finally {
      actor.stop();
    }
  }

  private restore(definition: SagaDefinition, sagaId: string, snapshot: unknown, input: unknown): Actor<AnyStateMachine> {
    let actor: Actor<AnyStateMachine>;
    try {
      actor = createActor(definition.machine, { id: sagaId, input, snapshot: snapshot as any, clock: DURABLE_TIMERS_CLOCK });
    } catch (error) {
      if (snapshot === undefined) throw error;
      throw new SagaRestoreError(definition.name, definition.version, sagaId, error);
    }
    // XState does not throw for a snapshot it cannot restore (or a context
    // factory that throws): it hands back an actor in error status.
    const initial = actor.getSnapshot();
    if (initial.status === 'error') {
      if (snapshot !== undefined) throw new SagaRestoreError(definition.name, definition.version, sagaId, initial.error);
      const cause = initial.error;
      throw new SagaStepError(
        definition.name,
        definition.version,
        sagaId,
        'start',
        `the machine could not start: ${cause instanceof Error ? cause.message : String(cause)}`,
        { cause },
      );
    }
    return actor;
  }

  private resolveCommand(
    definition: SagaDefinition,
    effect: CommandEffect,
    fail: (problem: string) => SagaStepError,
  ): OutgoingCommand {
    const contract = definition.commands.get(effect.command);
    if (!contract) {
      throw fail(`it sends command "${effect.command}", which the saga does not declare in "commands".`);
    }
    const parsed = validatePayload(contract, effect.payload);
    if (!parsed.ok) {
      const issues = parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
      throw fail(`command ${effect.command} has an invalid payload: ${issues}`);
    }
    return {
      messageId: this.newId(),
      type: contract.type,
      version: contract.version,
      participant: contract.participant,
      payload: parsed.value,
      ...(effect.step ? { step: effect.step, attempt: 1 } : {}),
    };
  }

  /** Delayed events scheduled during this step. Only `after` transitions are durable. */
  private scheduledTimers(actor: Actor<AnyStateMachine>, fail: (problem: string) => SagaStepError): TimerToSchedule[] {
    const scheduled = Object.values(
      (actor.system as any).getSnapshot()._scheduledEvents as Record<string, { event: { type: string }; delay: number }>,
    );
    return scheduled.map(({ event, delay }) => {
      if (!event.type.startsWith('xstate.after.')) {
        throw fail(`it schedules a delayed "${event.type}"; only \`after\` transitions become durable timers.`);
      }
      return { key: event.type, delayMs: delay };
    });
  }
}
