import { startTracing } from './tracing.bootstrap';
// Before anything else loads http or pg.
startTracing('baton');
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { PinoLoggerService, configureBatonHttp } from '@baton/nest';
import { AppModule } from './app.module';
import { assertHostConfig, loadConfig } from './config/app.config';
import { loadExampleConfig } from './config/example.config';
import { exitAfterFailedStart } from './failed-start';

/** The app's logger, once the configuration says how to log; a failed start flushes it before exiting. */
let output: PinoLoggerService | undefined;

async function bootstrap(): Promise<void> {
  const logger = new Logger('Baton');
  const config = loadConfig(process.env);
  const example = loadExampleConfig(process.env);
  assertHostConfig(config);
  output = new PinoLoggerService({ ...config.log, name: 'baton' });
  // The logger from the first line, unbuffered: while the start waits for PostgreSQL or Kafka, it says so as it happens.
  // abortOnError false: a provider that fails (the database did not answer) reaches the catch below, which says why.
  // Without API_KEYS, SagaModule accepts its development key and warns about it (auth.keysSource names the variable).
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, example), { logger: output, abortOnError: false });
  // The body parser, the input rules, problem+json for what they refuse, /docs.
  configureBatonHttp(app, { bodyLimit: config.bodyLimit });
  // SIGTERM/SIGINT: stop taking work, finish what is in hand, close the database.
  app.enableShutdownHooks();
  await app.listen(config.port, config.host);

  const base = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`;
  const storage = config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.pgliteDataDir}`;
  logger.log(`Baton is listening on ${base}`);
  logger.log(`  API:    ${base}/sagas   definitions: ${base}/definitions`);
  logger.log(`  Docs:   ${base}/docs`);
  if (config.console.enabled) logger.log(`  Console: ${base}/console/`);
  logger.log(`  Storage: ${storage}; participants: ${config.participants}`);
}

// Exit codes: 2 invalid configuration, 3 a dependency did not answer within STARTUP_TIMEOUT_MS, 1 anything else.
bootstrap().catch((error: unknown) => exitAfterFailedStart(error, 'Baton', output));
