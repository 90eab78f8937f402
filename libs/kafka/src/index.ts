// The public API of @baton/kafka.

// --- The Kafka transport ----------------------------------------------------
export { KafkaTransport } from './kafka.transport';
export type { KafkaTransportOptions } from './kafka-transport.options';

// --- Defaults an application validates its own configuration against ------
export { KAFKA_DEFAULT_HEARTBEAT_INTERVAL_MS, KAFKA_DEFAULT_SESSION_TIMEOUT_MS } from './kafka-transport.defaults';
