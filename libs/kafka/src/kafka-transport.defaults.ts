/** Defaults of KafkaTransportOptions; the options' JSDoc says what each one does. */

export const KAFKA_DEFAULT_CLIENT_ID = 'baton';
export const KAFKA_DEFAULT_PARTITIONS = 6;
/** -1: the broker's default.replication.factor. */
export const KAFKA_DEFAULT_REPLICATION_FACTOR = -1;
export const KAFKA_DEFAULT_MAX_ATTEMPTS = 5;
export const KAFKA_DEFAULT_RETRY_DELAY_MS = 200;
export const KAFKA_DEFAULT_MAX_RETRY_DELAY_MS = 5_000;
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
