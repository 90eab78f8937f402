import type { SagaTestHarness } from '../saga-test-harness';

/**
 * One input of a path, as a participant, the clock or an operator gives it
 * to the saga. Commands are named by the step they are tracked under (a
 * compensation: `<step>.compensation`), never by message id, so a path reads
 * the same, and replays, in any run.
 */
export type PathInput =
  /** A reply to the command in flight for `to`: one of its step's replies, or its compensation's confirmation. */
  | { readonly kind: 'reply'; readonly to: string; readonly type: string; readonly payload: unknown }
  /** A participant's CommandFailed for the command in flight for `to`. */
  | { readonly kind: 'failure'; readonly to: string; readonly command: string; readonly transient: boolean }
  /** Nothing comes: the clock moves `afterMs` on to the next timers due (a reply timeout, a retry, an `after`). */
  | { readonly kind: 'timer'; readonly keys: readonly string[]; readonly afterMs: number }
  /** An event from outside, an operator's signal (AbortRequested, RetryCompensation...) or any event no step waits for. */
  | { readonly kind: 'signal'; readonly type: string; readonly payload: unknown };

/** How a timer key reads in a path's name: `reply-timeout reserveStock`, `retry reserveStock`, `after paymentTimeout`. */
function timerName(key: string): string {
  if (key.startsWith('baton.')) return key.slice('baton.'.length).replace('.', ' ');
  const after = /^xstate\.after\.([^.]+)\./.exec(key);
  return after ? `after ${after[1]}` : key;
}

/** One input as a path's name shows it. */
export function describeInput(input: PathInput): string {
  switch (input.kind) {
    case 'reply':
      return `${input.type}(${input.to})`;
    case 'failure':
      return `CommandFailed${input.transient ? '[transient]' : ''}(${input.to})`;
    case 'timer':
      return `+${input.afterMs}ms[${input.keys.map(timerName).join(', ')}]`;
    case 'signal':
      return `signal ${input.type}`;
  }
}

/** A path's inputs as its name shows them. */
export function describePath(inputs: readonly PathInput[]): string {
  return inputs.length ? inputs.map(describeInput).join(' → ') : '(started)';
}

/**
 * Gives one input to the saga in `harness`; false when it changed nothing
 * (no command in flight for `to`, a timer not armed, a signal its state ignores). A reply names
 * the message id of the command it answers, as a participant's does.
 */
export function applyInput(harness: SagaTestHarness, input: PathInput): boolean {
  switch (input.kind) {
    case 'reply':
    case 'failure': {
      const command = harness.engineState.pending[input.to];
      if (!command) return false;
      const causationId = command.messageId;
      if (input.kind === 'reply') return harness.receive(input.type, input.payload, { causationId });
      const failure = { command: input.command, reason: `sampled ${input.transient ? 'transient ' : ''}failure`, transient: input.transient };
      return harness.receive('CommandFailed', failure, { causationId });
    }
    case 'timer': {
      // The timers fire (each is taken off, whatever the engine makes of it): the saga changed.
      if (!input.keys.every((key) => harness.pendingTimers.has(key))) return false;
      harness.advance(input.afterMs);
      return true;
    }
    case 'signal':
      return harness.receive(input.type, input.payload);
  }
}
