import { startTracing } from '../src/tracing.bootstrap';
// Before anything else loads http or pg.
startTracing('baton-participants');
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PinoLoggerService } from '@baton/nest';
import { ConfigError, loadConfig } from '../src/config/app.config';
import { ParticipantsAppModule } from './participants-app.module';

/** Runs the example participants (inventory, payment, shipping, notification) as their own process. */
async function bootstrap(): Promise<void> {
  const logger = new Logger('Participants');
  let config;
  try {
    // Their own PGlite folder unless DATABASE_URL says otherwise: never the host's.
    config = loadConfig({ PGLITE_DATA_DIR: '.data/participants-pglite', ...process.env }, 'baton-participants');
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    logger.error(error.message);
    process.exit(2);
  }
  const app = await NestFactory.createApplicationContext(ParticipantsAppModule.forRoot(config), { bufferLogs: true });
  app.useLogger(new PinoLoggerService({ ...config.log, name: 'baton-participants' }));
  app.enableShutdownHooks();
  logger.log(`Example participants are running; Kafka at ${config.kafka!.brokers.join(',')}, group ${config.kafka!.groupId}`);
}

bootstrap().catch((error: unknown) => {
  new Logger('Participants').error(`Could not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
