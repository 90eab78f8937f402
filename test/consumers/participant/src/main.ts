import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ParticipantAppModule, type Settings } from './app.module';

function readSettings(env: NodeJS.ProcessEnv): Settings {
  const required = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`${name} must be set`);
    return value;
  };
  return {
    brokers: required('KAFKA_BROKERS').split(',').filter(Boolean),
    groupId: env.KAFKA_GROUP_ID || 'acme-participants',
    clientId: env.KAFKA_CLIENT_ID || 'acme-participants',
    topicPrefix: env.TOPIC_PREFIX ?? '',
    dataDir: required('PGLITE_DATA_DIR'),
  };
}

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  const app = await NestFactory.createApplicationContext(ParticipantAppModule.forRoot(settings), { abortOnError: false });
  app.enableShutdownHooks();
  new Logger('Acme').log(`participants running; Kafka at ${settings.brokers.join(',')}, group ${settings.groupId}`);
}

main().catch((error: unknown) => {
  console.error('acme-participant failed to start:', error);
  process.exit(1);
});
