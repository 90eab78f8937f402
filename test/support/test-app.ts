import type { Server } from 'node:http';
import { Test } from '@nestjs/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Response } from 'supertest';
import { DEVELOPMENT_API_KEY, configureBatonHttp } from '@baton/nest';
import { AppModule } from '../../src/app.module';
import { loadConfig, type AppConfig } from '../../src/config/app.config';
import { loadExampleConfig } from '../../src/config/example.config';
import { TEST_KAFKA_BROKERS, brokerAnswers } from './kafka-broker';
import { eventually } from './orders';
import { TEST_DATABASE_URL, TestSchema } from './test-database';

/** The Authorization header of the development key, which a host without API_KEYS accepts outside production. */
export const DEV_AUTHORIZATION = `Bearer ${DEVELOPMENT_API_KEY.key}`;

/**
 * Boots the real host app in this process (real database, in-process
 * participants), with test-friendly settings on top of the defaults.
 */
export async function bootTestApp(env: Record<string, string>): Promise<{ app: NestExpressApplication; config: AppConfig }> {
  const config = loadConfig({ PGLITE_DATA_DIR: 'memory://', TIMER_POLL_INTERVAL_MS: '20', ...env });
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config, loadExampleConfig(env))] }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger: ['error', 'warn'] });
  configureBatonHttp(app, { bodyLimit: config.bodyLimit });
  await app.init();
  return { app, config };
}

export interface RunningTestApp {
  app: NestExpressApplication;
  server: Server;
  /** Stops the app and drops its schema. */
  close(): Promise<void>;
}

/**
 * bootTestApp listening on a free port (so tests may send requests at once),
 * on embedded PGlite or on a PostgreSQL schema of its own.
 */
export async function startTestApp(database: 'pglite' | 'postgres', env: Record<string, string> = {}): Promise<RunningTestApp> {
  const schema = database === 'postgres' ? await TestSchema.create('app') : undefined;
  const dropSchema = async () => void (await schema?.drop());
  try {
    const { app } = await bootTestApp({ ...(schema ? { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema.name } : {}), ...env });
    await app.listen(0, '127.0.0.1');
    return { app, server: app.getHttpServer(), close: async () => (await app.close(), dropSchema()) };
  } catch (error) {
    await dropSchema();
    throw error;
  }
}

/** An RFC 9457 answer: its status, media type, problem type and a detail. */
export function expectProblem(response: Response, status: number, type: string): void {
  expect({ status: response.status, contentType: response.headers['content-type'] }).toEqual({
    status,
    contentType: expect.stringMatching(/^application\/problem\+json\b/),
  });
  expect(response.body).toEqual(
    expect.objectContaining({ type: `https://baton.dev/problems/${type}`, status, detail: expect.stringMatching(/\S/) }),
  );
}

/**
 * The host on PostgreSQL and Kafka, with topics and a consumer group of its
 * own (members of a shared group would rebalance each other's suites), once a
 * broker answers (another suite may be restarting it).
 */
export async function startKafkaTestApp(prefix: string, env: Record<string, string> = {}): Promise<RunningTestApp> {
  await eventually(async () => (await brokerAnswers()) || undefined, 30_000, `a Kafka broker at ${TEST_KAFKA_BROKERS}`);
  return startTestApp('postgres', {
    KAFKA_BROKERS: TEST_KAFKA_BROKERS,
    TOPIC_PREFIX: prefix,
    KAFKA_GROUP_ID: `${prefix}orchestrator`,
    KAFKA_PARTITIONS: '2',
    ...env,
  });
}
