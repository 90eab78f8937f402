import { z } from 'zod';

/**
 * The host's configuration, read from environment variables. Every variable
 * has a default, so `npm start` needs none; see the README's table.
 */
export interface AppConfig {
  /** PORT @default 3000 */
  port: number;
  /** HOST @default '0.0.0.0' */
  host: string;
  /** DATABASE_URL: PostgreSQL connection string; unset = embedded PGlite. */
  databaseUrl?: string;
  /** DATABASE_SCHEMA: schema for Baton's tables. @default the connection's default (public) */
  databaseSchema?: string;
  /** DATABASE_POOL_SIZE @default 10 */
  databasePoolSize: number;
  /** PGLITE_DATA_DIR: where embedded PGlite keeps its files. @default '.data/pglite' */
  pgliteDataDir: string;
  /** BODY_LIMIT: largest JSON body accepted. @default '256kb' */
  bodyLimit: string;
  /** PARTICIPANTS: run the example participants in this process ('in-process') or not ('none'). @default 'in-process' */
  participants: 'in-process' | 'none';
  /** PARTICIPANT_FAILURE_RATE: share of commands the example participants refuse at random, 0..1. @default 0 */
  participantFailureRate: number;
  /** PARTICIPANT_LATENCY_MS: delay before an example participant handles a command. @default 0 */
  participantLatencyMs: number;
  /** ORDER_PAYMENT_TIMEOUT_MS: how long the order saga waits for payment. @default 15000 */
  orderPaymentTimeoutMs: number;
  /** TIMER_POLL_INTERVAL_MS: the most a due timer waits to fire. @default 250 */
  timerPollIntervalMs: number;
  /** TOPIC_PREFIX: prepended to every topic name. @default '' */
  topicPrefix: string;
  /** REPLY_TOPIC: where participants reply. @default 'saga.replies' */
  replyTopic: string;
}

const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be from ${min} to ${max}`);

const schema = z.object({
  PORT: integer(1, 65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/, 'must be lower-case letters, digits and underscores')
    .optional(),
  DATABASE_POOL_SIZE: integer(1, 1000).default(10),
  PGLITE_DATA_DIR: z.string().min(1).default('.data/pglite'),
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)?$/i, 'must be a size like 256kb or 1mb')
    .default('256kb'),
  PARTICIPANTS: z.enum(['in-process', 'none']).default('in-process'),
  PARTICIPANT_FAILURE_RATE: z
    .string()
    .transform(Number)
    .refine((n) => n >= 0 && n <= 1, 'must be a number from 0 to 1')
    .default(0),
  PARTICIPANT_LATENCY_MS: integer(0, 600_000).default(0),
  ORDER_PAYMENT_TIMEOUT_MS: integer(1, 86_400_000).default(15_000),
  TIMER_POLL_INTERVAL_MS: integer(10, 60_000).default(250),
  TOPIC_PREFIX: z.string().default(''),
  REPLY_TOPIC: z.string().min(1).default('saga.replies'),
});

/** Thrown for a variable that is set but wrong; names each variable and what it must be. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  // An empty variable counts as unset.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0]);
        return `${name}=${JSON.stringify(env[name])}: ${issue.message}`;
      }),
    );
  }
  const c = parsed.data;
  return {
    port: c.PORT,
    host: c.HOST,
    databaseUrl: c.DATABASE_URL,
    databaseSchema: c.DATABASE_SCHEMA,
    databasePoolSize: c.DATABASE_POOL_SIZE,
    pgliteDataDir: c.PGLITE_DATA_DIR,
    bodyLimit: c.BODY_LIMIT,
    participants: c.PARTICIPANTS,
    participantFailureRate: c.PARTICIPANT_FAILURE_RATE,
    participantLatencyMs: c.PARTICIPANT_LATENCY_MS,
    orderPaymentTimeoutMs: c.ORDER_PAYMENT_TIMEOUT_MS,
    timerPollIntervalMs: c.TIMER_POLL_INTERVAL_MS,
    topicPrefix: c.TOPIC_PREFIX,
    replyTopic: c.REPLY_TOPIC,
  };
}
