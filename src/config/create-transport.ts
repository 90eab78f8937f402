import { Logger } from '@nestjs/common';
import type { Transport } from '@baton/core';
import { KafkaTransport } from '@baton/kafka';
import { isDatabaseUnavailable } from '@baton/postgres';
import type { KafkaConfig } from './app.config';

/**
 * The Kafka transport when KAFKA_BROKERS is set; otherwise undefined
 * (SagaModule's in-process default). `startTimeoutMs`: how long its start
 * waits for a cluster that is not there yet or still starting (STARTUP_TIMEOUT_MS).
 */
export function createTransport(kafka: KafkaConfig | undefined, startTimeoutMs: number): Transport | undefined {
  if (!kafka) return undefined;
  return new KafkaTransport({
    brokers: kafka.brokers,
    clientId: kafka.clientId,
    groupId: kafka.groupId,
    ssl: kafka.ssl,
    sasl: kafka.sasl as any,
    partitions: kafka.partitions,
    replicationFactor: kafka.replicationFactor,
    sessionTimeoutMs: kafka.sessionTimeoutMs,
    heartbeatIntervalMs: kafka.heartbeatIntervalMs,
    startTimeoutMs,
    // A message whose step or handler finds the database down (even as the driver's own error) waits for it,
    // rather than count attempts towards a dead letter.
    isDependencyUnavailable: isDatabaseUnavailable,
    logger: new Logger('Kafka'),
  });
}
