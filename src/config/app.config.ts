import { z } from 'zod';
import { KAFKA_DEFAULT_HEARTBEAT_INTERVAL_MS, KAFKA_DEFAULT_SESSION_TIMEOUT_MS } from '@baton/kafka';
import { apiKeys } from './api-keys';
import { ConfigError, flag, integer, readEnv, variable } from './env';

/**
 * The host's environment variables, each declared once: its name, how it is
 * read and what it is when unset (none is required, so `npm start` needs
 * none), what it is for, and, by where it stands here, where its value goes
 * in AppConfig. loadConfig adds what follows from several of them. The README's
 * "Configuration" table lists them. The example's own settings (the order
 * saga's deadlines, the example participants' failures) are read apart:
 * example.config.ts.
 */
export const hostVariables = {
  port: variable('PORT', integer(1, 65535).default(3000), 'HTTP port'),
  host: variable('HOST', z.string().min(1).default('0.0.0.0'), 'Interface to listen on'),
  databaseUrl: variable(
    'DATABASE_URL',
    z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL').optional(),
    'PostgreSQL connection string; unset = embedded PGlite',
  ),
  databaseSchema: variable(
    'DATABASE_SCHEMA',
    z.string().regex(/^[a-z_][a-z0-9_]*$/, 'must be lower-case letters, digits and underscores').optional(),
    "Schema for Baton's tables; unset = the connection's default (public)",
  ),
  databasePoolSize: variable('DATABASE_POOL_SIZE', integer(1, 1000).default(10), 'Connections (PostgreSQL only)'),
  databasePreparedStatements: variable(
    'DATABASE_PREPARED_STATEMENTS',
    flag().default(true),
    "Keep the step's statements prepared on each connection (PostgreSQL only); false behind PgBouncer before 1.21 in transaction mode",
  ),
  pgliteDataDir: variable('PGLITE_DATA_DIR', z.string().min(1).default('.data/pglite'), 'Where embedded PGlite keeps its files'),
  bodyLimit: variable(
    'BODY_LIMIT',
    z.string().regex(/^\d+(b|kb|mb)?$/i, 'must be a size like 256kb or 1mb').default('256kb'),
    'Largest JSON body accepted',
  ),
  participants: variable(
    'PARTICIPANTS',
    z.enum(['in-process', 'none']).optional(),
    "Run the example participants in this process ('in-process') or not ('none'); " +
      "unset = 'in-process' without KAFKA_BROKERS, 'none' with it (they run as their own process)",
  ),
  timerPollIntervalMs: variable('TIMER_POLL_INTERVAL_MS', integer(10, 60_000).default(250), 'The most a due timer waits before it fires'),
  timerCatchUpTimeoutMs: variable(
    'TIMER_CATCH_UP_TIMEOUT_MS',
    integer(0, 3_600_000).default(10_000),
    'After a start, the longest timers wait for the replies already on the broker to be applied first; keep it above KAFKA_SESSION_TIMEOUT_MS',
  ),
  startupTimeoutMs: variable(
    'STARTUP_TIMEOUT_MS',
    integer(1_000, 3_600_000).default(60_000),
    'At start, how long each dependency (PostgreSQL, then Kafka) that refuses connections or is still starting is waited for; ' +
      'then the process exits with code 3',
  ),
  topicPrefix: variable('TOPIC_PREFIX', z.string().default(''), 'Prepended to every topic name'),
  replyTopic: variable('REPLY_TOPIC', z.string().min(1).default('saga.replies'), 'Where participants reply (after TOPIC_PREFIX)'),
  kafka: {
    brokers: variable(
      'KAFKA_BROKERS',
      z
        .string()
        .regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, 'must be host:port pairs separated by commas, e.g. 127.0.0.1:9092')
        .transform((list) => list.split(','))
        .optional(),
      'Comma-separated host:port bootstrap brokers; set = the Kafka transport, unset = in process (and AppConfig has no kafka)',
    ),
    clientId: variable('KAFKA_CLIENT_ID', z.string().min(1).default('baton'), 'Client id in broker logs'),
    groupId: variable(
      'KAFKA_GROUP_ID',
      z.string().min(1).optional(),
      "Consumer group; unset = the process's own: 'baton-orchestrator', the participants process 'baton-participants'",
    ),
    ssl: variable('KAFKA_SSL', flag().default(false), "'true' for TLS with the system CAs"),
    sasl: {
      mechanism: variable(
        'KAFKA_SASL_MECHANISM',
        z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
        'SASL mechanism, with KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD; unset = no SASL',
      ),
      username: variable('KAFKA_SASL_USERNAME', z.string().optional(), 'SASL user name'),
      password: variable('KAFKA_SASL_PASSWORD', z.string().optional(), 'SASL password', { secret: true }),
    },
    partitions: variable('KAFKA_PARTITIONS', integer(1, 10_000).default(6), 'Partitions of the topics Baton creates'),
    replicationFactor: variable(
      'KAFKA_REPLICATION_FACTOR',
      z.string().regex(/^(-1|\d+)$/, 'must be -1 or a positive whole number').transform(Number).default(-1),
      "Replication factor of the topics Baton creates; -1 = the broker's default",
    ),
    sessionTimeoutMs: variable(
      'KAFKA_SESSION_TIMEOUT_MS',
      integer(1_000, 3_600_000).default(KAFKA_DEFAULT_SESSION_TIMEOUT_MS),
      'How long the group keeps a consumer that stopped heartbeating; after a crash, replies wait about this long for the replacement. ' +
        'The broker accepts 6000 and up by default',
    ),
    heartbeatIntervalMs: variable(
      'KAFKA_HEARTBEAT_INTERVAL_MS',
      integer(100, 3_600_000).default(KAFKA_DEFAULT_HEARTBEAT_INTERVAL_MS),
      'How often the consumer heartbeats; below the session timeout',
    ),
  },
  auth: {
    keys: variable(
      'API_KEYS',
      apiKeys.default([]),
      'Comma-separated name:key:role API keys, role reader or operator; unset = none, and SagaModule accepts its development key ' +
        '(DEVELOPMENT_API_KEY) instead, outside production: a production host does not start (assertHostConfig)',
      { secret: true },
    ),
    protectReads: variable('AUTH_READS', flag().default(false), "'true': GET requests need a key too"),
  },
  admission: {
    maxStartsPerSecond: variable(
      'MAX_STARTS_PER_SECOND',
      integer(1, 1_000_000).default(1000),
      'Saga starts this host accepts per second; beyond it 429',
    ),
    maxInFlight: variable(
      'MAX_SAGAS_IN_FLIGHT',
      integer(1, 100_000_000).default(10_000),
      'Sagas not yet ended, across all hosts, beyond which starts are answered 429',
    ),
  },
  limits: {
    maxTransitions: variable(
      'SAGA_MAX_TRANSITIONS',
      integer(1, 10_000_000).default(1000),
      'Transitions one instance may take before it is parked as failed',
    ),
    maxCommandsInFlight: variable(
      'SAGA_MAX_COMMANDS_IN_FLIGHT',
      integer(1, 100_000).default(50),
      'Commands one instance may await at once before it is parked as failed',
    ),
  },
  production: variable(
    'NODE_ENV',
    z.string().transform((text) => text === 'production').default(false),
    "'production': the host does not start without API_KEYS, and logs default to JSON",
  ),
  console: {
    enabled: variable('CONSOLE', flag().default(true), "'false': no web console at /console/ (the REST API stays)"),
    traceUrl: variable(
      'CONSOLE_TRACE_URL',
      z.string().includes('{traceId}', { message: 'must contain {traceId}, e.g. http://localhost:16686/trace/{traceId}' }).optional(),
      "A trace viewer's page of one trace, {traceId} where the id goes: the console links each saga's trace to it",
    ),
  },
  log: {
    level: variable(
      'LOG_LEVEL',
      z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
      'Lowest level logged',
    ),
    format: variable(
      'LOG_FORMAT',
      z.enum(['json', 'pretty']).optional(),
      "'json' (one object per line) or 'pretty'; unset = 'json' with NODE_ENV=production, 'pretty' otherwise",
    ),
  },
};

/** The host's configuration: the variables' values (see hostVariables), with what follows from several of them. */
export type AppConfig = ReturnType<typeof loadConfig>;

/** AppConfig's Kafka part, there with KAFKA_BROKERS. */
export type KafkaConfig = NonNullable<AppConfig['kafka']>;

/**
 * Reads the configuration. `defaultGroupId` is the Kafka consumer group when
 * KAFKA_GROUP_ID is unset (the host and the participants process differ).
 */
export function loadConfig(env: Record<string, string | undefined>, defaultGroupId = 'baton-orchestrator') {
  const values = readEnv(hostVariables, env);
  const { kafka, auth, log } = values;
  const { sasl } = kafka;
  if (sasl.mechanism && (!sasl.username || !sasl.password)) {
    throw new ConfigError([`KAFKA_SASL_MECHANISM=${sasl.mechanism}: needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD too`]);
  }
  if (kafka.heartbeatIntervalMs >= kafka.sessionTimeoutMs) {
    throw new ConfigError([
      `KAFKA_HEARTBEAT_INTERVAL_MS=${kafka.heartbeatIntervalMs}: must be below KAFKA_SESSION_TIMEOUT_MS (${kafka.sessionTimeoutMs}), ` +
        'best a sixth of it or less, so a member survives a few late heartbeats',
    ]);
  }
  // What follows from several variables replaces the value read, in its place.
  return {
    ...values,
    participants: values.participants ?? (kafka.brokers ? 'none' : 'in-process'),
    kafka: kafka.brokers
      ? {
          ...kafka,
          brokers: kafka.brokers,
          groupId: kafka.groupId ?? defaultGroupId,
          sasl: sasl.mechanism ? { mechanism: sasl.mechanism, username: sasl.username!, password: sasl.password! } : undefined,
        }
      : undefined,
    // API_KEYS unset (when set, each entry is a key or a problem): SagaModule's development key stands in.
    auth: { ...auth, developmentKey: auth.keys.length === 0 },
    log: { ...log, format: log.format ?? (values.production ? 'json' : 'pretty') },
  };
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
