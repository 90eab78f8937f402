import { Logger } from '@nestjs/common';
import type { Transport } from '@baton/core';
import { KafkaTransport } from '@baton/kafka';
import type { KafkaConfig } from './app.config';

/** The Kafka transport when KAFKA_BROKERS is set; otherwise undefined (SagaModule's in-process default). */
export function createTransport(kafka: KafkaConfig | undefined): Transport | undefined {
  if (!kafka) return undefined;
  return new KafkaTransport({
    brokers: kafka.brokers,
    clientId: kafka.clientId,
    groupId: kafka.groupId,
    ssl: kafka.ssl,
    sasl: kafka.sasl as any,
    partitions: kafka.partitions,
    replicationFactor: kafka.replicationFactor,
    logger: new Logger('Kafka'),
  });
}
