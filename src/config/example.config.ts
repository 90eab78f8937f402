import { z } from 'zod';
import { integer, parseEnv } from './env';

/**
 * The example's own settings, read from environment variables apart from the
 * host's (app.config.ts): how the order-fulfillment saga waits, and how the
 * example participants misbehave for demos and tests. A team's own sagas and
 * participants read theirs the same way, in their own services.
 */
export interface ExampleConfig {
  /** PARTICIPANT_FAILURE_RATE: share of commands the example participants refuse at random, 0..1. @default 0 */
  participantFailureRate: number;
  /** PARTICIPANT_LATENCY_MS: delay before an example participant handles a command. @default 0 */
  participantLatencyMs: number;
  /** ORDER_PAYMENT_TIMEOUT_MS: how long the order saga waits for payment. @default 15000 */
  orderPaymentTimeoutMs: number;
  /** ORDER_REPLY_TIMEOUT_MS: the order saga sends a command again when unanswered this long. @default 10000 */
  orderReplyTimeoutMs: number;
}

const schema = z.object({
  PARTICIPANT_FAILURE_RATE: z
    .string()
    .transform(Number)
    .refine((n) => n >= 0 && n <= 1, 'must be a number from 0 to 1')
    .default(0),
  PARTICIPANT_LATENCY_MS: integer(0, 600_000).default(0),
  ORDER_PAYMENT_TIMEOUT_MS: integer(1, 86_400_000).default(15_000),
  ORDER_REPLY_TIMEOUT_MS: integer(1, 86_400_000).default(10_000),
});

/** Reads the example's settings; throws a ConfigError naming every variable that is wrong. */
export function loadExampleConfig(env: Record<string, string | undefined>): ExampleConfig {
  const c = parseEnv(schema, env);
  return {
    participantFailureRate: c.PARTICIPANT_FAILURE_RATE,
    participantLatencyMs: c.PARTICIPANT_LATENCY_MS,
    orderPaymentTimeoutMs: c.ORDER_PAYMENT_TIMEOUT_MS,
    orderReplyTimeoutMs: c.ORDER_REPLY_TIMEOUT_MS,
  };
}
