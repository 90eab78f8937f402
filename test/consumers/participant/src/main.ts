import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ParticipantAppModule } from './app.module';
import { readSettings } from './settings';

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  const app = await NestFactory.createApplicationContext(ParticipantAppModule.forRoot(settings), { abortOnError: false });
  app.enableShutdownHooks();
  new Logger('Acme').log(`participants running; Kafka at ${settings.kafka.brokers.join(',')}, group ${settings.kafka.groupId}`);
}

main().catch((error: unknown) => {
  console.error('acme-participants failed to start:', error);
  process.exit(1);
});
