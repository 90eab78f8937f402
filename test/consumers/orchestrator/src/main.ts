import 'reflect-metadata';
import { PinoLoggerService, configureBatonHttp } from '@baton/nest';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { readSettings } from './settings';

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  const logger = new PinoLoggerService({ level: 'info', format: 'json', name: 'acme-orchestrator' });
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(settings), { logger, abortOnError: false });
  configureBatonHttp(app);
  app.enableShutdownHooks();
  await app.listen(settings.port, settings.host);
  new Logger('Acme').log(`listening on http://${settings.host}:${settings.port}; transport: ${settings.kafka ? 'kafka' : 'in-process'}`);
}

main().catch((error: unknown) => {
  console.error('acme-orchestrator failed to start:', error);
  process.exit(1);
});
