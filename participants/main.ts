import { startTracing } from '../src/tracing.bootstrap';
// Before anything else loads http or pg.
startTracing('baton-participants');
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PinoLoggerService } from '@baton/nest';
import { loadConfig } from '../src/config/app.config';
import { loadExampleConfig } from '../src/config/example.config';
import { exitAfterFailedStart } from '../src/failed-start';
import { ParticipantsAppModule } from './participants-app.module';

/** The process's logger, once the configuration says how to log; a failed start flushes it before exiting. */
let output: PinoLoggerService | undefined;

/** Runs the example participants (inventory, payment, shipping, notification, or those EXAMPLE_PARTICIPANTS lists) as their own process. */
async function bootstrap(): Promise<void> {
  const logger = new Logger('Participants');
  // Their own PGlite folder unless DATABASE_URL says otherwise: never the host's.
  const config = loadConfig({ PGLITE_DATA_DIR: '.data/participants-pglite', ...process.env }, 'baton-participants');
  output = new PinoLoggerService({ ...config.log, name: 'baton-participants' });
  // The logger from the first line, unbuffered: while the start waits for PostgreSQL or Kafka, it says so as it happens.
  const example = loadExampleConfig(process.env);
  const app = await NestFactory.createApplicationContext(ParticipantsAppModule.forRoot(config, example), { logger: output, abortOnError: false });
  app.enableShutdownHooks();
  logger.log(`Example participants are running (${example.participants.join(', ')}); Kafka at ${config.kafka!.brokers.join(',')}, group ${config.kafka!.groupId}`);
}

// Exit codes: 2 invalid configuration, 3 a dependency did not answer within STARTUP_TIMEOUT_MS, 1 anything else.
bootstrap().catch((error: unknown) => exitAfterFailedStart(error, 'Participants', output));
