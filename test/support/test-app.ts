import { Test } from '@nestjs/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { configureBatonHttp } from '@baton/nest';
import { AppModule } from '../../src/app.module';
import { loadConfig, type AppConfig } from '../../src/config/app.config';

/**
 * Boots the real host app in this process (real database, in-process
 * participants), with test-friendly settings on top of the defaults.
 */
export async function bootTestApp(env: Record<string, string>): Promise<{ app: NestExpressApplication; config: AppConfig }> {
  const config = loadConfig({ PGLITE_DATA_DIR: 'memory://', TIMER_POLL_INTERVAL_MS: '20', ...env });
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger: ['error', 'warn'] });
  configureBatonHttp(app, { bodyLimit: config.bodyLimit });
  await app.init();
  return { app, config };
}
