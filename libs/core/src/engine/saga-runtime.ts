import type { RetryPolicy } from '../definition/retry-policy';
import type { OutgoingCommand } from './step-outcome';

/** A command the saga waits on: sent, not yet settled by one of its replies. */
export interface PendingCommand {
  readonly step: string;
  readonly command: OutgoingCommand;
  readonly settledBy: readonly string[];
  readonly retry?: RetryPolicy;
  /** Attempts made so far (1 after the first send). */
  readonly attempt: number;
  /** The engine timer armed for it, if any. */
  readonly timer?: 'retry' | 'reply-timeout';
}

/**
 * What the engine keeps about an instance beside the machine's own
 * snapshot: commands in flight (for retries), how many transitions it took
 * (for the storm bound), and why it was parked, if it was.
 */
export interface SagaRuntime {
  readonly pending: Readonly<Record<string, PendingCommand>>;
  readonly transitions: number;
  readonly parked?: { readonly reason: string };
}

export const EMPTY_RUNTIME: SagaRuntime = { pending: {}, transitions: 0 };

/** Timer keys of the engine's own timers (XState's are `xstate.after.*`). */
export const retryTimerKey = (step: string) => `baton.retry.${step}`;
export const replyTimeoutKey = (step: string) => `baton.reply-timeout.${step}`;

export function timerKeyOf(pending: PendingCommand): string | undefined {
  if (pending.timer === 'retry') return retryTimerKey(pending.step);
  if (pending.timer === 'reply-timeout') return replyTimeoutKey(pending.step);
  return undefined;
}
