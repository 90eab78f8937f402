import type { StateValue } from 'xstate';
import type { SagaDefinition } from '../definition/saga-definition';
import { SagaEngine } from '../engine/saga-engine';
import type { OutgoingCommand, SagaStatus, StepOutcome } from '../engine/step-outcome';
import { uuidv7 } from '../util/uuid-v7';

/**
 * Runs one saga through the pure engine on a virtual clock, the way the host
 * would, without a database: every snapshot is sent through JSON before the
 * next step (as it is when it is stored), timers are kept with their due
 * time, and `advance(ms)` fires those that fall due, in order.
 */
export class SagaTestHarness {
  private readonly engine = new SagaEngine();
  private readonly timers = new Map<string, number>();
  private snapshot: unknown;
  private last!: StepOutcome;
  /** Virtual milliseconds since the saga started. */
  now = 0;
  /** Every command the saga sent, in order. */
  readonly sent: OutgoingCommand[] = [];
  /** The state value after every step, starting with the initial one. */
  readonly states: StateValue[] = [];
  /** The persisted snapshot after every step, as JSON text. */
  readonly snapshots: string[] = [];

  private constructor(
    readonly definition: SagaDefinition,
    readonly sagaId: string,
  ) {}

  static start(definition: SagaDefinition, input: unknown, sagaId: string = uuidv7()): SagaTestHarness {
    const harness = new SagaTestHarness(definition, sagaId);
    harness.apply(harness.engine.start(definition, sagaId, input));
    return harness;
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

  /** Delivers a reply; returns whether the current state accepted it. */
  receive(type: string, payload: unknown, version?: number): boolean {
    const contract = this.definition.events.get(type);
    const outcome = this.engine.receive(this.definition, this.sagaId, this.restoreSnapshot(), {
      type,
      version: version ?? contract?.version ?? 1,
      payload,
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
      const outcome = this.engine.fireTimer(this.definition, this.sagaId, this.restoreSnapshot(), key);
      if (outcome.accepted) this.apply(outcome);
    }
    this.now = until;
  }

  private restoreSnapshot(): unknown {
    return JSON.parse(this.snapshots[this.snapshots.length - 1]);
  }

  private apply(outcome: StepOutcome): void {
    this.last = outcome;
    this.snapshot = outcome.snapshot;
    this.snapshots.push(JSON.stringify(this.snapshot));
    this.states.push(outcome.stateValue);
    this.sent.push(...outcome.commands);
    outcome.timers.cancel.forEach((key) => this.timers.delete(key));
    outcome.timers.schedule.forEach((timer) => this.timers.set(timer.key, this.now + timer.delayMs));
  }
}
