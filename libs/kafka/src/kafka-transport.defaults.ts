/**
 * Defaults of KafkaTransportOptions: what each one bounds and why it has this
 * value. The options' JSDoc says what each option does.
 */

/** The client id brokers log requests under and apply quotas to: the library's name, what an operator reading broker logs looks for. */
export const KAFKA_DEFAULT_CLIENT_ID = 'baton';

/**
 * Partitions of each topic the transport creates. A partition is consumed by
 * one member of a group at a time, so this bounds how many replicas of a
 * service share a topic's work. Six divides evenly among one, two, three or
 * six replicas, and stays light on a single development broker.
 */
export const KAFKA_DEFAULT_PARTITIONS = 6;

/** -1: the broker's default.replication.factor, so one broker in development and the cluster's own setting in production. */
export const KAFKA_DEFAULT_REPLICATION_FACTOR = -1;

/**
 * Attempts at a message whose handler fails for any reason but a dependency
 * that is down, before it is dead-lettered. With the default backoff the
 * retries span about 3 s (200 + 400 + 800 + 1600 ms): enough for a transient
 * failure (a serialization conflict, a lock timeout) to pass, short enough
 * that the saga's later messages, which wait behind it, are not held long.
 */
export const KAFKA_DEFAULT_MAX_ATTEMPTS = 5;

/**
 * The first backoff of a failed message, doubled per attempt: long enough for
 * the transaction it conflicted with to commit, short enough that a one-off
 * failure costs little latency.
 */
export const KAFKA_DEFAULT_RETRY_DELAY_MS = 200;

/**
 * The longest backoff: it paces a message waiting out a dependency that is
 * down, so a dependency that is back is noticed within 5 s, while a long
 * outage costs each waiting message one try per 5 s.
 */
export const KAFKA_DEFAULT_MAX_RETRY_DELAY_MS = 5_000;

/**
 * Partition batches handled at once by one member. The consumer fetches again
 * only once every batch of a fetch is done, so this is best at least the
 * partitions a member consumes: 64 covers ten topics of six partitions on a
 * single replica. An idle partition's batch costs nothing.
 */
export const KAFKA_DEFAULT_PARTITIONS_CONSUMED_CONCURRENTLY = 64;

/**
 * How long the group coordinator keeps a member that stopped heartbeating.
 * A SIGKILLed consumer stays a member this long, and no rebalance (so no
 * replacement) completes before it is gone: this bounds how long replies
 * wait after a crash. The broker's group.min.session.timeout.ms (6 s by
 * default) is the least it accepts; kafkajs' own default is 30 s, the Java
 * client's 45 s.
 */
export const KAFKA_DEFAULT_SESSION_TIMEOUT_MS = 6_000;
/** A sixth of the session: a member survives several lost or late heartbeats (a busy event loop, a GC pause). */
export const KAFKA_DEFAULT_HEARTBEAT_INTERVAL_MS = 1_000;
/** A fresh broker takes seconds to answer, a busy machine's longer: a minute, then the start fails and says why. */
export const KAFKA_DEFAULT_START_TIMEOUT_MS = 60_000;
