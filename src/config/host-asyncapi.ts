import type { AsyncApiServer, SagaModuleOptions } from '@baton/nest';
import type { AppConfig } from './app.config';

/**
 * What the host's AsyncAPI document (GET /asyncapi.json, `npm run asyncapi`)
 * says beyond its sagas and topics: with KAFKA_BROKERS, each bootstrap
 * broker as a server; without, none (the in-process transport has no broker).
 */
export function hostAsyncApi(config: AppConfig): NonNullable<SagaModuleOptions['asyncApi']> {
  const kafka = config.kafka;
  if (!kafka) return {};
  const servers: Record<string, AsyncApiServer> = {};
  kafka.brokers.forEach((host, index) => {
    servers[`broker-${index + 1}`] = { host, protocol: kafka.ssl ? 'kafka-secure' : 'kafka', description: 'A bootstrap broker (KAFKA_BROKERS).' };
  });
  return { servers };
}
