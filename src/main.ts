import { startTracing } from './tracing.bootstrap';
// Before anything else loads http or pg.
startTracing('baton');
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { PinoLoggerService, configureBatonHttp } from '@baton/nest';
import { AppModule } from './app.module';
import { ConfigError, DEVELOPMENT_API_KEY, assertHostConfig, loadConfig } from './config/app.config';

async function bootstrap(): Promise<void> {
  const logger = new Logger('Baton');
  let config;
  try {
    config = loadConfig(process.env);
    assertHostConfig(config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    logger.error(error.message);
    process.exit(2);
  }
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { bodyParser: false, bufferLogs: true });
  app.useLogger(new PinoLoggerService({ ...config.log, name: 'baton' }));
  configureBatonHttp(app, { bodyLimit: config.bodyLimit });
  // SIGTERM/SIGINT: stop taking work, finish what is in hand, close the database.
  app.enableShutdownHooks();
  await app.listen(config.port, config.host);

  const base = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`;
  const storage = config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.pgliteDataDir}`;
  logger.log(`Baton is listening on ${base}`);
  logger.log(`  API:    ${base}/sagas   definitions: ${base}/definitions`);
  logger.log(`  Docs:   ${base}/docs`);
  logger.log(`  Storage: ${storage}; participants: ${config.participants}`);
  if (config.auth.developmentKey) {
    logger.warn(
      `API_KEYS is unset: the development key "${DEVELOPMENT_API_KEY.key}" (role ${DEVELOPMENT_API_KEY.role}) is accepted, ` +
        `e.g. -H 'Authorization: Bearer ${DEVELOPMENT_API_KEY.key}'. Set API_KEYS before anyone else can reach this host; ` +
        'with NODE_ENV=production the host does not start without it.',
    );
  }
}

bootstrap().catch((error: unknown) => {
  new Logger('Baton').error(`Could not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
