/**
 * How a step's command is retried when its participant reports a transient
 * failure (`CommandFailed` with `transient: true`) or does not answer in
 * time. A retry resends the same command with the same message id, so a
 * participant that did receive it the first time dedupes it. Retries are
 * durable timers: they survive restarts.
 */
export interface RetryPolicy {
  /** Attempts in all, the first send included. @default 3 */
  readonly maxAttempts?: number;
  /** Delay before the first retry; doubled per retry. @default 500 */
  readonly initialDelayMs?: number;
  /** Longest delay between two attempts. @default 30000 */
  readonly maxDelayMs?: number;
  /** Share of each delay that is random, 0..1, so retries of many sagas spread out. @default 0.2 */
  readonly jitter?: number;
  /** Counts as a failed attempt when no reply came within this long. @default no reply timeout */
  readonly replyTimeoutMs?: number;
}

export const DEFAULT_RETRY: Required<Omit<RetryPolicy, 'replyTimeoutMs'>> = {
  maxAttempts: 3,
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  jitter: 0.2,
};

/** The delay before attempt `attempt + 1`, given `random()` in [0, 1). */
export function retryDelay(policy: RetryPolicy, attempt: number, random: () => number): number {
  const initial = policy.initialDelayMs ?? DEFAULT_RETRY.initialDelayMs;
  const max = policy.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
  const jitter = policy.jitter ?? DEFAULT_RETRY.jitter;
  const base = Math.min(max, initial * 2 ** (attempt - 1));
  return Math.round(base * (1 - jitter + jitter * random()));
}
