import { z } from 'zod';
import { KAFKA_DEFAULT_HEARTBEAT_INTERVAL_MS, KAFKA_DEFAULT_SESSION_TIMEOUT_MS } from '@baton/kafka';
import type { ApiKey, LogFormat } from '@baton/nest';
import { ConfigError, integer, parseEnv } from './env';

/**
 * The host's configuration, read from environment variables. Every variable
 * has a default, so `npm start` needs none; see the README's table. The
 * example's own settings (the order saga's deadlines, the example
 * participants' failures) are read apart: example.config.ts.
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
  /**
   * PARTICIPANTS: run the example participants in this process ('in-process') or not ('none').
   * @default 'in-process' without KAFKA_BROKERS, 'none' with it (they run as their own process)
   */
  participants: 'in-process' | 'none';
  /** TIMER_POLL_INTERVAL_MS: the most a due timer waits to fire. @default 250 */
  timerPollIntervalMs: number;
  /**
   * TIMER_CATCH_UP_TIMEOUT_MS: after a start, the longest timers wait for the replies already on
   * the broker to be applied first (keep it above KAFKA_SESSION_TIMEOUT_MS). @default 10000
   */
  timerCatchUpTimeoutMs: number;
  /**
   * STARTUP_TIMEOUT_MS: at start, how long each dependency (PostgreSQL, then Kafka) that refuses
   * connections or is still starting is waited for; then the process exits with code 3. @default 60000
   */
  startupTimeoutMs: number;
  /** TOPIC_PREFIX: prepended to every topic name. @default '' */
  topicPrefix: string;
  /** REPLY_TOPIC: where participants reply. @default 'saga.replies' */
  replyTopic: string;
  /** KAFKA_BROKERS: comma-separated bootstrap brokers; unset = in-process transport. */
  kafka?: KafkaConfig;
  /** API_KEYS and AUTH_READS: who may call the REST API. */
  auth: AuthConfig;
  /** MAX_STARTS_PER_SECOND and MAX_SAGAS_IN_FLIGHT: when starts are refused with 429. */
  admission: { maxStartsPerSecond: number; maxInFlight: number };
  /** SAGA_MAX_TRANSITIONS (1000) and SAGA_MAX_COMMANDS_IN_FLIGHT (50): past them an instance is parked as failed. */
  limits: { maxTransitions: number; maxCommandsInFlight: number };
  /** NODE_ENV is 'production'. */
  production: boolean;
  /** LOG_LEVEL (info) and LOG_FORMAT (json with NODE_ENV=production, pretty otherwise). */
  log: { level: LogLevelName; format: LogFormat };
}

/** LOG_LEVEL: the lowest level written. */
export type LogLevelName = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface AuthConfig {
  /**
   * API_KEYS: comma-separated `name:key:role` (role reader or operator).
   * @default [] (SagaModule then accepts its development key, DEVELOPMENT_API_KEY, outside production;
   * a production host does not start, see assertHostConfig)
   */
  keys: ApiKey[];
  /** AUTH_READS: whether GET requests need a key too. @default false */
  protectReads: boolean;
  /** True when API_KEYS is unset: the development key stands in outside production. */
  developmentKey: boolean;
}

export interface KafkaConfig {
  brokers: string[];
  /** KAFKA_CLIENT_ID @default 'baton' */
  clientId: string;
  /** KAFKA_GROUP_ID @default 'baton-orchestrator' (the participants process: 'baton-participants') */
  groupId: string;
  /** KAFKA_SSL: 'true' for TLS with the system CAs. @default false */
  ssl: boolean;
  /** KAFKA_SASL_MECHANISM (plain | scram-sha-256 | scram-sha-512) with KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD. */
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  /** KAFKA_PARTITIONS: partitions of the topics Baton creates. @default 6 */
  partitions: number;
  /** KAFKA_REPLICATION_FACTOR: of the topics Baton creates; -1 = the broker's default. @default -1 */
  replicationFactor: number;
  /**
   * KAFKA_SESSION_TIMEOUT_MS: how long the group keeps a consumer that stopped heartbeating; after a crash,
   * replies wait about this long for the replacement. The broker accepts 6000 and up by default. @default 6000
   */
  sessionTimeoutMs: number;
  /** KAFKA_HEARTBEAT_INTERVAL_MS: how often the consumer heartbeats; below the session timeout. @default 1000 */
  heartbeatIntervalMs: number;
}

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
  PARTICIPANTS: z.enum(['in-process', 'none']).optional(),
  TIMER_POLL_INTERVAL_MS: integer(10, 60_000).default(250),
  TIMER_CATCH_UP_TIMEOUT_MS: integer(0, 3_600_000).default(10_000),
  STARTUP_TIMEOUT_MS: integer(1_000, 3_600_000).default(60_000),
  TOPIC_PREFIX: z.string().default(''),
  REPLY_TOPIC: z.string().min(1).default('saga.replies'),
  KAFKA_BROKERS: z
    .string()
    .regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, 'must be host:port pairs separated by commas, e.g. 127.0.0.1:9092')
    .optional(),
  KAFKA_CLIENT_ID: z.string().min(1).default('baton'),
  KAFKA_GROUP_ID: z.string().min(1).optional(),
  KAFKA_SSL: z.enum(['true', 'false']).default('false'),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),
  KAFKA_PARTITIONS: integer(1, 10_000).default(6),
  KAFKA_REPLICATION_FACTOR: z
    .string()
    .regex(/^(-1|\d+)$/, 'must be -1 or a positive whole number')
    .transform(Number)
    .default(-1),
  KAFKA_SESSION_TIMEOUT_MS: integer(1_000, 3_600_000).default(KAFKA_DEFAULT_SESSION_TIMEOUT_MS),
  KAFKA_HEARTBEAT_INTERVAL_MS: integer(100, 3_600_000).default(KAFKA_DEFAULT_HEARTBEAT_INTERVAL_MS),
  // Never echoed in an error: it holds secrets (see parseApiKeys).
  API_KEYS: z.string().optional(),
  AUTH_READS: z.enum(['true', 'false']).default('false'),
  MAX_STARTS_PER_SECOND: integer(1, 1_000_000).default(1000),
  MAX_SAGAS_IN_FLIGHT: integer(1, 100_000_000).default(10_000),
  SAGA_MAX_TRANSITIONS: integer(1, 10_000_000).default(1000),
  SAGA_MAX_COMMANDS_IN_FLIGHT: integer(1, 100_000).default(50),
  NODE_ENV: z.string().optional(),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
});

/**
 * Reads the configuration. `defaultGroupId` is the Kafka consumer group when
 * KAFKA_GROUP_ID is unset (the host and the participants process differ).
 */
export function loadConfig(env: Record<string, string | undefined>, defaultGroupId = 'baton-orchestrator'): AppConfig {
  const c = parseEnv(schema, env);
  if (c.KAFKA_SASL_MECHANISM && (!c.KAFKA_SASL_USERNAME || !c.KAFKA_SASL_PASSWORD)) {
    throw new ConfigError([`KAFKA_SASL_MECHANISM=${c.KAFKA_SASL_MECHANISM}: needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD too`]);
  }
  if (c.KAFKA_HEARTBEAT_INTERVAL_MS >= c.KAFKA_SESSION_TIMEOUT_MS) {
    throw new ConfigError([
      `KAFKA_HEARTBEAT_INTERVAL_MS=${c.KAFKA_HEARTBEAT_INTERVAL_MS}: must be below KAFKA_SESSION_TIMEOUT_MS (${c.KAFKA_SESSION_TIMEOUT_MS}), ` +
        'best a sixth of it or less, so a member survives a few late heartbeats',
    ]);
  }
  const kafka: KafkaConfig | undefined = c.KAFKA_BROKERS
    ? {
        brokers: c.KAFKA_BROKERS.split(','),
        clientId: c.KAFKA_CLIENT_ID,
        groupId: c.KAFKA_GROUP_ID ?? defaultGroupId,
        ssl: c.KAFKA_SSL === 'true',
        sasl: c.KAFKA_SASL_MECHANISM
          ? { mechanism: c.KAFKA_SASL_MECHANISM, username: c.KAFKA_SASL_USERNAME!, password: c.KAFKA_SASL_PASSWORD! }
          : undefined,
        partitions: c.KAFKA_PARTITIONS,
        replicationFactor: c.KAFKA_REPLICATION_FACTOR,
        sessionTimeoutMs: c.KAFKA_SESSION_TIMEOUT_MS,
        heartbeatIntervalMs: c.KAFKA_HEARTBEAT_INTERVAL_MS,
      }
    : undefined;
  return {
    port: c.PORT,
    host: c.HOST,
    databaseUrl: c.DATABASE_URL,
    databaseSchema: c.DATABASE_SCHEMA,
    databasePoolSize: c.DATABASE_POOL_SIZE,
    pgliteDataDir: c.PGLITE_DATA_DIR,
    bodyLimit: c.BODY_LIMIT,
    participants: c.PARTICIPANTS ?? (kafka ? 'none' : 'in-process'),
    timerPollIntervalMs: c.TIMER_POLL_INTERVAL_MS,
    timerCatchUpTimeoutMs: c.TIMER_CATCH_UP_TIMEOUT_MS,
    startupTimeoutMs: c.STARTUP_TIMEOUT_MS,
    topicPrefix: c.TOPIC_PREFIX,
    replyTopic: c.REPLY_TOPIC,
    kafka,
    auth: {
      keys: c.API_KEYS === undefined ? [] : parseApiKeys(c.API_KEYS),
      protectReads: c.AUTH_READS === 'true',
      developmentKey: c.API_KEYS === undefined,
    },
    admission: { maxStartsPerSecond: c.MAX_STARTS_PER_SECOND, maxInFlight: c.MAX_SAGAS_IN_FLIGHT },
    limits: { maxTransitions: c.SAGA_MAX_TRANSITIONS, maxCommandsInFlight: c.SAGA_MAX_COMMANDS_IN_FLIGHT },
    production: c.NODE_ENV === 'production',
    log: { level: c.LOG_LEVEL, format: c.LOG_FORMAT ?? (c.NODE_ENV === 'production' ? 'json' : 'pretty') },
  };
}

const KEY_NAME = /^[A-Za-z0-9._-]+$/;
const KEY = /^[\x21-\x7e]+$/;

/**
 * API_KEYS: `name:key:role` entries separated by commas. The problems name
 * an entry by its position and name, never by its key.
 */
function parseApiKeys(value: string): ApiKey[] {
  const problems: string[] = [];
  const keys = value.split(',').map((entry, i): ApiKey => {
    const [name = '', key = '', role = '', ...rest] = entry.trim().split(':');
    // Named only when it has three parts: a lone word may well be a key.
    const which = `API_KEYS entry ${i + 1}${KEY_NAME.test(name) && role ? ` ("${name}")` : ''}`;
    if (rest.length || !KEY_NAME.test(name) || !KEY.test(key) || (role !== 'reader' && role !== 'operator')) {
      problems.push(
        `${which}: must be name:key:role, the name of letters, digits, '.', '_' or '-', ` +
          `the key of visible characters without ':' or ',', the role reader or operator`,
      );
    }
    return { name, key, role: role as ApiKey['role'] };
  });
  keys.forEach((entry, i) => {
    const earlier = keys.findIndex((other) => other.name === entry.name || other.key === entry.key);
    if (earlier < i) problems.push(`API_KEYS entry ${i + 1}: has the same ${keys[earlier].name === entry.name ? 'name' : 'key'} as entry ${earlier + 1}`);
  });
  if (problems.length) throw new ConfigError(problems);
  return keys;
}

/**
 * What the host needs beyond loadConfig (the participants process shares
 * loadConfig but serves no API): a production host runs only with API_KEYS.
 * SagaModule would refuse to start without keys too; this says so before
 * anything starts, naming the variable, and exits with code 2.
 */
export function assertHostConfig(config: AppConfig): void {
  if (config.production && config.auth.developmentKey) {
    throw new ConfigError([
      'API_KEYS is unset, and NODE_ENV=production does not accept the development key: ' +
        'set API_KEYS=name:key:role,... (role reader or operator), e.g. API_KEYS=ops:<secret>:operator',
    ]);
  }
}
