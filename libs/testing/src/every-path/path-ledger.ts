import type { OutgoingCommand, SagaDefinition, SagaRuntime, SagaStatus } from '@baton/core';
import type { SagaTestHarness } from '../saga-test-harness';
import type { PathInput } from './path-input';

/** The rules every path of a saga keeps (docs/architecture.md, "The invariants" and "Commands in flight and unknown outcomes"). */
export const INVARIANTS = {
  ends: 'it ends in a final state (completed, compensated, aborted, failed) or stuck on a compensation, waiting for an operator',
  compensatedOnce: 'every step that completed, or whose outcome is unknown, is compensated exactly once when the saga does not complete',
  newestFirst: 'compensations run newest first, by the order the steps completed (or were given up on)',
  noUndoWithoutCommand: 'no compensation for a step whose command was never sent',
  sentOnce: 'no command is sent twice, except a retry under the same message id',
  jsonRoundTrip: 'the persisted snapshot and runtime come back the same from JSON at every step',
  engineAccepts: 'the engine takes every input without an error',
} as const;

/** Which rule a path broke. */
export type InvariantName = keyof typeof INVARIANTS;

/** One rule a path broke, where and how. */
export interface Broken {
  readonly invariant: InvariantName;
  /** What happened, in the saga's own terms. */
  readonly detail: string;
  /** How many inputs into the path it showed (0: at the start; the path's length: at its end). */
  readonly atInput: number;
}

/** A forward command of a step, followed from its first send to its undo. */
interface Forward {
  readonly messageId: string;
  readonly step: string;
  fate: 'in-flight' | 'completed' | 'refused' | 'unknown';
  /** When the step completed or was given up on, among the others (its compensation was armed then). */
  armed?: number;
  /** The message ids of the compensations sent for it. */
  readonly undoneBy: Set<string>;
  /** Its compensation was confirmed, or an operator resolved it by hand. */
  settled: boolean;
  /** Its compensation was run by the engine (it names the command it undoes), not sent by hand. */
  tracked: boolean;
}

/** What the ledger needs of the saga before an input, to see what the input changed. */
export interface Before {
  readonly pending: SagaRuntime['pending'];
  readonly failure?: SagaRuntime['compensationFailure'];
  readonly sent: number;
  readonly lost: number;
}

export const beforeOf = (harness: SagaTestHarness): Before => ({
  pending: harness.engineState.pending,
  failure: harness.engineState.compensationFailure,
  sent: harness.sent.length,
  lost: harness.lostInJson.length,
});

/** The statuses after which every step that took effect, or may have, must have been undone. */
const UNDONE_BY_THE_END: readonly SagaStatus[] = ['compensated', 'aborted'];

/**
 * Follows one path of a saga input by input, from what the harness shows
 * (the commands sent, the engine's commands in flight, the status), and
 * records every rule of `INVARIANTS` the path breaks. Its `key()` is all it
 * remembers of the path's history, so two paths that reach the same
 * situation with the same key have the same future, broken rules included.
 */
export class PathLedger {
  readonly broken: Broken[] = [];
  private forwards = new Map<string, Forward>();
  /** The message id each command was first sent under, by type and payload. */
  private firstSends = new Map<string, string>();
  /** Type and payload by message id. */
  private sends = new Map<string, string>();
  private arms = 0;
  /** When the last compensation sent was armed: the next one must be older. */
  private lastUndone?: number;
  private inputs = 0;
  /** Each step's compensation command; a command of that type sent without `compensates` is a compensation by hand. */
  private readonly undoTypes = new Map<string, string[]>();

  constructor(private readonly definition: SagaDefinition) {
    for (const step of definition.steps.values()) {
      if (!step.compensation) continue;
      const type = step.compensation.command.type;
      this.undoTypes.set(type, [...(this.undoTypes.get(type) ?? []), step.name]);
    }
  }

  clone(): PathLedger {
    const copy = new PathLedger(this.definition);
    copy.broken.push(...this.broken);
    copy.forwards = new Map([...this.forwards].map(([id, forward]) => [id, { ...forward, undoneBy: new Set(forward.undoneBy) }]));
    copy.firstSends = new Map(this.firstSends);
    copy.sends = new Map(this.sends);
    copy.arms = this.arms;
    copy.lastUndone = this.lastUndone;
    copy.inputs = this.inputs;
    return copy;
  }

  /** The saga started: what its start sent. */
  started(harness: SagaTestHarness): void {
    this.observe(undefined, { pending: {}, sent: 0, lost: 0 }, harness);
  }

  /** One input was applied: `before` is the saga as it stood, `harness` as it stands now. */
  applied(input: PathInput, before: Before, harness: SagaTestHarness): void {
    this.inputs++;
    this.observe(input, before, harness);
  }

  /** The engine threw on an input: nothing of it was persisted. */
  refused(input: PathInput, error: string): void {
    this.inputs++;
    this.break('engineAccepts', `${input.kind === 'signal' || input.kind === 'reply' ? input.type : input.kind} was refused: ${error}`);
  }

  /**
   * The path ends here: in a final status or stuck (`end`), or where
   * nothing can follow (`dead-end`), or where the search stopped (`cut`).
   */
  ended(status: SagaStatus, how: 'end' | 'dead-end' | 'cut'): void {
    if (how === 'dead-end') this.break('ends', `it stops ${status} with nothing in flight, no timer armed and no signal it accepts`);
    if (how === 'cut') this.break('ends', `it is still ${status} after ${this.inputs} inputs (raise maxInputs if it is a long saga)`);
    if (status === 'stuck' || status === 'failed' || how !== 'end') return;
    for (const forward of this.forwards.values()) {
      const step = this.definition.steps.get(forward.step)!;
      if (!step.compensation) continue;
      const mustUndo = forward.fate === 'unknown' || (forward.fate === 'completed' && UNDONE_BY_THE_END.includes(status));
      const what = `${forward.step} (${step.command.type} ${forward.fate === 'unknown' ? 'outcome unknown' : forward.fate})`;
      if (mustUndo && forward.undoneBy.size === 0) this.break('compensatedOnce', `the saga ended ${status} and ${what} was never compensated`);
      // A compensation sent by hand (no `compensates`) is fire and forget: nothing confirms it to the engine.
      else if (mustUndo && !forward.settled && forward.tracked) {
        this.break('compensatedOnce', `the saga ended ${status} and ${step.compensation.command.type} for ${what} was never confirmed`);
      }
    }
  }

  /** All the ledger remembers of the path, message ids as they appear in the saga's situation key. */
  key(): string {
    const forwards = [...this.forwards.values()].map((f) => [f.messageId, f.step, f.fate, f.armed, f.undoneBy.size, f.settled, f.tracked]);
    return JSON.stringify([forwards, [...this.firstSends.keys()].sort(), this.lastUndone, this.broken.length]);
  }

  private observe(input: PathInput | undefined, before: Before, harness: SagaTestHarness): void {
    const after = harness.engineState;
    for (const lost of harness.lostInJson.slice(before.lost)) this.break('jsonRoundTrip', lost);
    // Commands settled or given up on by this input.
    for (const command of Object.values(before.pending)) {
      if (after.pending[command.step]?.messageId === command.messageId) continue;
      if (command.compensates !== undefined) {
        const answered = input?.kind === 'reply' && input.to === command.step;
        const forward = this.forwards.get(command.compensates);
        if (answered && forward) forward.settled = true;
        continue;
      }
      const forward = this.forwards.get(command.messageId);
      if (forward) this.settle(forward, input);
    }
    // A compensation an operator resolved by hand.
    if (input?.kind === 'signal' && input.type === 'ResolveCompensation' && before.failure && !after.compensationFailure) {
      const forward = [...this.forwards.values()].find((f) => f.undoneBy.has(before.failure!.messageId));
      if (forward) forward.settled = true;
    }
    for (const command of harness.sent.slice(before.sent)) this.sentCommand(command, after);
  }

  /** A forward command is no longer in flight: why. */
  private settle(forward: Forward, input: PathInput | undefined): void {
    const step = this.definition.steps.get(forward.step)!;
    const answered = input && input.kind !== 'timer' && input.kind !== 'signal' && input.to === forward.step;
    if (answered && input.kind === 'reply') {
      forward.fate = step.completedBy.some((reply) => reply.type === input.type) ? 'completed' : 'refused';
    } else if (answered && input.kind === 'failure' && !input.transient) {
      forward.fate = 'refused';
    } else {
      forward.fate = 'unknown';
    }
    if (forward.fate !== 'refused') forward.armed = ++this.arms;
  }

  private sentCommand(command: OutgoingCommand, after: SagaRuntime): void {
    const print = `${command.type} ${JSON.stringify(command.payload)}`;
    const known = this.sends.get(command.messageId);
    if (known !== undefined) {
      if (known !== print) this.break('sentOnce', `message id ${command.messageId} was sent again as ${print}, first as ${known}`);
      return;
    }
    this.sends.set(command.messageId, print);
    // Compensations the engine runs name the command they undo: two of them may carry the same payload (compensatedOnce counts them per command).
    if (command.compensates === undefined) {
      if (this.firstSends.has(print)) this.break('sentOnce', `${command.type} was sent again under a new message id, with the same payload ${JSON.stringify(command.payload)}`);
      else this.firstSends.set(print, command.messageId);
    }

    const undoing = command.compensates !== undefined || this.undoTypes.has(command.type);
    if (undoing) return this.compensationSent(command);
    if (command.step) {
      const stillTracked = after.pending[command.step]?.messageId === command.messageId;
      const forward: Forward = { messageId: command.messageId, step: command.step, fate: 'in-flight', undoneBy: new Set(), settled: false, tracked: false };
      this.forwards.set(command.messageId, forward);
      // Sent and given up on in the same step (the machine left the state at once, or ended).
      if (!stillTracked) {
        forward.fate = 'unknown';
        forward.armed = ++this.arms;
      }
    }
  }

  private compensationSent(command: OutgoingCommand): void {
    let forward: Forward | undefined;
    if (command.compensates !== undefined) {
      forward = this.forwards.get(command.compensates);
      if (!forward) return this.break('noUndoWithoutCommand', `${command.type} undoes message ${command.compensates}, which the saga never sent`);
    } else {
      // A compensation sent by hand (sendCommand): it undoes the newest command of a step it can undo, not undone yet.
      const steps = this.undoTypes.get(command.type)!;
      const candidates = [...this.forwards.values()].filter((f) => steps.includes(f.step)).reverse();
      if (!candidates.length) return this.break('noUndoWithoutCommand', `${command.type} was sent, but ${steps.join(' / ')} never sent its command`);
      forward = candidates.find((f) => f.undoneBy.size === 0) ?? candidates[0];
    }
    forward.undoneBy.add(command.messageId);
    if (command.compensates !== undefined) forward.tracked = true;
    if (forward.undoneBy.size > 1) {
      this.break('compensatedOnce', `${forward.step} was compensated ${forward.undoneBy.size} times (${command.type} under ${forward.undoneBy.size} message ids)`);
    }
    if (forward.armed !== undefined) {
      if (this.lastUndone !== undefined && forward.armed > this.lastUndone) {
        const earlier = [...this.forwards.values()].find((f) => f.armed === this.lastUndone)!;
        const how = forward.fate === 'unknown' ? 'was given up on' : 'completed';
        this.break('newestFirst', `${forward.step} was undone after ${earlier.step}, although ${forward.step} ${how} after it`);
      }
      this.lastUndone = forward.armed;
    }
  }

  private break(invariant: InvariantName, detail: string): void {
    this.broken.push({ invariant, detail, atInput: this.inputs });
  }
}
