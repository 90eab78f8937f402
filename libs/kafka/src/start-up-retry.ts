import { StartUpWait, type BatonLogger } from '@baton/core';
import { MAX_ERROR_NESTING, RETRIER_WRAPPERS, innermost, wrappedBy, type KafkaErrorFields } from './kafkajs-errors';

/**
 * Which errors a Kafka cluster that is still starting answers with, and so
 * which ones a starting transport waits out (see StartUpWait): a fresh
 * broker refuses connections, then answers before it has registered itself,
 * elected its controller, created `__consumer_offsets` or propagated the
 * metadata of topics created a moment ago. kafkajs reports these as protocol
 * errors (their `type`), as errors of its own (their `name`), or wrapped by
 * its retrier in KafkaJSNumberOfRetriesExceeded / KafkaJSNonRetriableError
 * (the original is their `cause`).
 */

/** Protocol errors of a broker or cluster that is starting, electing or loading: waiting fixes them. */
const STARTING_TYPES = new Set([
  'UNKNOWN_TOPIC_OR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'REPLICA_NOT_AVAILABLE',
  'REQUEST_TIMED_OUT',
  'NETWORK_EXCEPTION',
  'BROKER_NOT_AVAILABLE',
  'NOT_CONTROLLER',
  'NOT_ENOUGH_REPLICAS',
  // kafkajs's names of COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE and NOT_COORDINATOR.
  'GROUP_LOAD_IN_PROGRESS',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR_FOR_GROUP',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR',
  'THROTTLING_QUOTA_EXCEEDED',
]);

/** Protocol errors no waiting fixes: a wrong configuration, credentials or rights. */
const FATAL_TYPES = new Set([
  'SASL_AUTHENTICATION_FAILED',
  'UNSUPPORTED_SASL_MECHANISM',
  'ILLEGAL_SASL_STATE',
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'INVALID_REPLICATION_FACTOR',
  'INVALID_PARTITIONS',
  'INVALID_TOPIC_EXCEPTION',
  'INVALID_CONFIG',
  'INVALID_REQUEST',
  'POLICY_VIOLATION',
  'UNSUPPORTED_VERSION',
  'INVALID_SESSION_TIMEOUT',
  'INVALID_GROUP_ID',
]);

/**
 * kafkajs errors that mean the cluster is not there or not ready yet: no
 * connection, no answer in time, no metadata, broker or coordinator yet, or
 * topic leaders that did not show up within kafkajs's own wait (KafkaJSTimeout).
 */
const STARTING_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSTimeout',
  'KafkaJSLockTimeout',
]);

/** Socket errors that reached us without kafkajs's wrapper. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'EAI_AGAIN', 'ENOTFOUND']);

/** Not an error of Kafka's: the cluster answered, but is not ready for us yet (a topic without a leader). */
export class KafkaNotReadyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KafkaNotReadyError';
  }
}

/**
 * Whether `error` is one a starting cluster answers with, so waiting may fix
 * it. Any other error (authentication, an invalid replication factor, a
 * policy violation, a bug) fails the start at once.
 */
export function isKafkaStarting(error: unknown): boolean {
  return starting(error, 0);
}

function starting(error: unknown, depth: number): boolean {
  if (!error || typeof error !== 'object' || depth > MAX_ERROR_NESTING) return false;
  if (error instanceof KafkaNotReadyError) return true;
  const { name, type, code, retriable, errors } = error as KafkaErrorFields;
  if (typeof type === 'string') {
    if (FATAL_TYPES.has(type)) return false;
    if (STARTING_TYPES.has(type)) return true;
  }
  if (typeof name === 'string' && RETRIER_WRAPPERS.has(name)) {
    const inner = wrappedBy(error);
    return inner !== undefined && starting(inner, depth + 1);
  }
  if (typeof name === 'string' && STARTING_NAMES.has(name)) return true;
  // createTopics: one error per topic that failed; one that already exists is fine (another service created it).
  if (Array.isArray(errors) && errors.length) {
    return errors.every((inner: KafkaErrorFields) => inner?.type === 'TOPIC_ALREADY_EXISTS' || starting(inner, depth + 1));
  }
  if (typeof name === 'string' && name.startsWith('KafkaJS') && retriable === true) return true;
  return typeof code === 'string' && NETWORK_CODES.has(code);
}

/** A kind of wait, for logging each once: the protocol error's type, else the error's name (through wrappers). */
export function kafkaWaitKind(error: unknown): string {
  const inner = innermost(error) as KafkaErrorFields;
  if (!inner || typeof inner !== 'object') return String(inner);
  if (typeof inner.type === 'string') return inner.type;
  if (Array.isArray(inner.errors)) return inner.errors.map((e: KafkaErrorFields) => String(e?.type ?? e?.name)).join(',');
  return String(inner.name);
}

/** How a Kafka error reads in a log line: the innermost error's name, message and protocol type. */
export function describeKafkaError(error: unknown): string {
  const inner = innermost(error);
  const { name, message, type } = (inner ?? {}) as KafkaErrorFields;
  if (typeof message !== 'string') return String(inner);
  return `${typeof name === 'string' ? name : 'Error'}: ${message}${typeof type === 'string' ? ` (${type})` : ''}`;
}

/** A start-up wait for a Kafka cluster: its errors judged as above, named by its bootstrap brokers. */
export function kafkaStartUpWait(brokers: readonly string[], timeoutMs: number, logger: BatonLogger): StartUpWait {
  return new StartUpWait({
    dependency: `Kafka (${brokers.join(',')})`,
    timeoutMs,
    isTransient: isKafkaStarting,
    kindOf: kafkaWaitKind,
    describe: describeKafkaError,
    logger,
  });
}

/**
 * The start-up wait of whatever runs under `during`: `start`'s, when called
 * from it (one budget for all its steps, `ensureTopics` included), else one of
 * its own. `active` says whether one runs: meanwhile kafkajs's own lines about
 * a cluster that does not answer yet go to debug (see kafka-client.ts).
 */
export class KafkaStartUp {
  private current?: StartUpWait;

  constructor(
    private readonly brokers: readonly string[],
    private readonly timeoutMs: number,
    private readonly logger: BatonLogger,
  ) {}

  get active(): boolean {
    return this.current !== undefined;
  }

  async during(work: (startUp: StartUpWait) => Promise<void>): Promise<void> {
    if (this.current) return work(this.current);
    const startUp = kafkaStartUpWait(this.brokers, this.timeoutMs, this.logger);
    this.current = startUp;
    try {
      await work(startUp);
      startUp.done();
    } finally {
      this.current = undefined;
    }
  }
}
