import type { StateValue } from 'xstate';
import {
  SagaEngine,
  uuidv7,
  type OutgoingCommand,
  type PersistedSaga,
  type SagaDefinition,
  type SagaRuntime,
  type SagaStatus,
  type StepOutcome,
} from '@baton/core';
import { jsonLoss } from './json-loss';

/**
 * Runs one saga through the pure engine on a virtual clock, the way the host
 * would, without a database: every snapshot is sent through JSON before the
 * next step (as it is when it is stored), timers are kept with their due
 * time, and `advance(ms)` fires those that fall due, in order.
 */
export class SagaTestHarness {
  private readonly engine: SagaEngine;
  private readonly timers = new Map<string, number>();
  private runtime?: SagaRuntime;
  private last!: StepOutcome;
  /** Virtual milliseconds since the saga started. */
  now = 0;
  /** Every command the saga sent, in order. */
  readonly sent: OutgoingCommand[] = [];
  /** The state value after every step, starting with the initial one. */
  readonly states: StateValue[] = [];
  /** The persisted snapshot after every step, as JSON text. */
  readonly snapshots: string[] = [];
  /** The engine's runtime after every step (commands in flight, compensations), as JSON text. */
  readonly runtimes: string[] = [];
  /** What the engine noted beside the machine at each step that noted something (a step given up on, a late reply). */
  readonly notes: string[] = [];
  /**
   * Every step whose snapshot or runtime would not come back the same from
   * JSON (a Date, a Map, a class instance, NaN in the context...), with where:
   * empty for a saga whose state is plain JSON, as it must be.
   */
  readonly lostInJson: string[] = [];

  private constructor(
    readonly definition: SagaDefinition,
    readonly sagaId: string,
    engine: SagaEngine,
  ) {
    this.engine = engine;
  }

  /** `engine` defaults to one without retry jitter, so delays are exact. */
  static start(
    definition: SagaDefinition,
    input: unknown,
    sagaId: string = uuidv7(),
    engine: SagaEngine = new SagaEngine({ random: () => 1 }),
  ): SagaTestHarness {
    const harness = new SagaTestHarness(definition, sagaId, engine);
    harness.apply(harness.engine.start(definition, sagaId, input));
    return harness;
  }

  /**
   * A copy of this run that goes on on its own: same saga, clock, timers and
   * history, so a test can try another input from here without replaying
   * the ones before.
   */
  fork(): SagaTestHarness {
    const copy = new SagaTestHarness(this.definition, this.sagaId, this.engine);
    copy.runtime = this.runtime;
    copy.last = this.last;
    copy.now = this.now;
    this.timers.forEach((dueAt, key) => copy.timers.set(key, dueAt));
    copy.sent.push(...this.sent);
    copy.states.push(...this.states);
    copy.snapshots.push(...this.snapshots);
    copy.runtimes.push(...this.runtimes);
    copy.notes.push(...this.notes);
    copy.lostInJson.push(...this.lostInJson);
    return copy;
  }

  get status(): SagaStatus {
    return this.last.status;
  }

  get state(): StateValue {
    return this.last.stateValue;
  }

  get context(): any {
    return this.last.context;
  }

  get output(): any {
    return this.last.output;
  }

  /** Timer keys armed now, with their due time on the virtual clock. */
  get pendingTimers(): ReadonlyMap<string, number> {
    return this.timers;
  }

  /** Command types sent so far, in order. */
  get sentTypes(): string[] {
    return this.sent.map((command) => command.type);
  }

  /** Why the engine parked the instance, if it did. */
  get parkedBecause(): string | undefined {
    return this.runtime?.parked?.reason;
  }

  /** The engine's state of the instance: commands in flight, compensations armed, what it gave up on. */
  get engineState(): SagaRuntime {
    return this.runtime!;
  }

  /** The compensations armed now, oldest first, by step. */
  get armedCompensations(): string[] {
    return (this.runtime?.compensations ?? []).map((armed) => armed.step);
  }

  /** Delivers a reply; returns whether it changed anything. `causationId` names the command it answers. */
  receive(type: string, payload: unknown, options: { version?: number; causationId?: string } = {}): boolean {
    const contract = this.definition.events.get(type);
    const outcome = this.engine.receive(this.definition, this.sagaId, this.persisted(), {
      type,
      version: options.version ?? contract?.version ?? 1,
      payload,
      causationId: options.causationId,
    });
    if (outcome.accepted) this.apply(outcome);
    return outcome.accepted;
  }

  /** Moves the virtual clock forward, firing every timer that falls due, earliest first. */
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const next = [...this.timers.entries()].sort((a, b) => a[1] - b[1])[0];
      if (!next || next[1] > until) break;
      const [key, dueAt] = next;
      this.now = dueAt;
      this.timers.delete(key);
      const outcome = this.engine.fireTimer(this.definition, this.sagaId, this.persisted(), key);
      if (outcome.accepted) this.apply(outcome);
    }
    this.now = until;
  }

  /** What the host would load: the last snapshot and runtime, through JSON. */
  private persisted(): PersistedSaga {
    return {
      snapshot: JSON.parse(this.snapshots[this.snapshots.length - 1]),
      runtime: this.runtime && JSON.parse(JSON.stringify(this.runtime)),
    };
  }

  private apply(outcome: StepOutcome): void {
    this.last = outcome;
    this.runtime = outcome.runtime;
    this.snapshots.push(JSON.stringify(outcome.snapshot));
    this.runtimes.push(JSON.stringify(outcome.runtime));
    const lost = [jsonLoss(outcome.snapshot) && `the snapshot at ${jsonLoss(outcome.snapshot)}`, jsonLoss(outcome.runtime) && `the runtime at ${jsonLoss(outcome.runtime)}`];
    if (lost.some(Boolean)) this.lostInJson.push(`step ${this.snapshots.length}: ${lost.filter(Boolean).join('; ')}`);
    if (outcome.note) this.notes.push(outcome.note);
    this.states.push(outcome.stateValue);
    this.sent.push(...outcome.commands);
    outcome.timers.cancel.forEach((key) => this.timers.delete(key));
    outcome.timers.schedule.forEach((timer) => this.timers.set(timer.key, this.now + timer.delayMs));
  }
}
