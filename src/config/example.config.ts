import { z } from 'zod';
import { integer, readEnv, variable, type ValuesOf } from './env';

/** The example participants of the order-fulfillment saga, by the name their commands' topics carry. */
export const EXAMPLE_PARTICIPANTS = ['inventory', 'payment', 'shipping', 'notification'] as const;
export type ExampleParticipant = (typeof EXAMPLE_PARTICIPANTS)[number];

/**
 * The example's own settings, read from environment variables apart from the
 * host's (app.config.ts) and declared the same way: how the order-fulfillment
 * saga waits, and how the example participants misbehave for demos and tests.
 * A team's own sagas and participants read theirs the same way, in their own
 * services.
 */
export const exampleVariables = {
  participantFailureRate: variable(
    'PARTICIPANT_FAILURE_RATE',
    z.string().transform(Number).refine((n) => n >= 0 && n <= 1, 'must be a number from 0 to 1').default(0),
    'Share of commands the example participants refuse at random, 0..1',
  ),
  participantLatencyMs: variable('PARTICIPANT_LATENCY_MS', integer(0, 600_000).default(0), 'Delay before an example participant handles a command'),
  participants: variable(
    'EXAMPLE_PARTICIPANTS',
    z
      .string()
      .transform((list) => [...new Set(list.split(',').map((name) => name.trim()).filter(Boolean))])
      .superRefine((names, context) => {
        const unknown = names.filter((name) => !(EXAMPLE_PARTICIPANTS as readonly string[]).includes(name));
        if (unknown.length) {
          context.addIssue({
            code: 'custom',
            message: `names no example participant: ${unknown.join(', ')}; list some of ${EXAMPLE_PARTICIPANTS.join(', ')}, comma-separated`,
          });
        } else if (!names.length) {
          context.addIssue({ code: 'custom', message: 'must name at least one participant' });
        }
      })
      .transform((names) => names as ExampleParticipant[])
      .default([...EXAMPLE_PARTICIPANTS]),
    'The example participants to run (comma-separated): leave one out to replace it with a service of your own',
  ),
  traffic: variable(
    'EXAMPLE_TRAFFIC',
    integer(0, 60_000).default(0),
    'Example orders the host starts a minute, through every path of the order saga (npm start sets 20)',
  ),
  orderPaymentTimeoutMs: variable('ORDER_PAYMENT_TIMEOUT_MS', integer(1, 86_400_000).default(15_000), 'How long the order saga waits for payment'),
  orderReplyTimeoutMs: variable(
    'ORDER_REPLY_TIMEOUT_MS',
    integer(1, 86_400_000).default(10_000),
    'The order saga sends a command again when unanswered this long',
  ),
};

export type ExampleConfig = ValuesOf<typeof exampleVariables>;

/** Reads the example's settings; throws a ConfigError naming every variable that is wrong. */
export function loadExampleConfig(env: Record<string, string | undefined>): ExampleConfig {
  return readEnv(exampleVariables, env);
}
