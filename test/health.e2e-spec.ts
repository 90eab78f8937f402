import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { BATON_DATA_SOURCE } from '@baton/nest';
import { eventually } from './support/orders';
import { startKafkaTestApp, startTestApp, type RunningTestApp } from './support/test-app';

/**
 * GET /health/live and /health/ready end to end: the real host on PGlite, on
 * PostgreSQL (also with its database gone) and on Kafka.
 */

/** Runs the host on `database` around the tests of the enclosing describe. */
function useApp(database: 'pglite' | 'postgres', env: Record<string, string> = {}): () => RunningTestApp {
  let app: RunningTestApp;
  beforeAll(async () => {
    app = await startTestApp(database, env);
  });
  afterAll(async () => {
    await app?.close();
  });
  return () => app;
}

describe('Health', () => {
  describe.each(['pglite', 'postgres'] as const)('of a healthy host on %s', (database) => {
    const app = useApp(database);

    it('answers live with 200, without a key', async () => {
      const response = await request(app().server).get('/health/live').expect(200);

      expect(response.body).toEqual(expect.objectContaining({ status: 'ok' }));
      expect(response.headers['cache-control']).toMatch(/no-cache/);
    });

    it('answers ready with 200: migrations ran, the database answers, the in-process transport is up', async () => {
      const response = await request(app().server).get('/health/ready').expect(200);

      expect(response.body).toEqual({
        status: 'ok',
        info: { migrations: { status: 'up' }, database: { status: 'up' }, transport: { status: 'up' } },
        error: {},
        details: { migrations: { status: 'up' }, database: { status: 'up' }, transport: { status: 'up' } },
      });
    });
  });

  describe('of a host whose database is gone', () => {
    const app = useApp('postgres');

    it('answers ready with 503 naming the database check and why, and live still with 200', async () => {
      await request(app().server).get('/health/ready').expect(200);
      await app().app.get<symbol, DataSource>(BATON_DATA_SOURCE).destroy();

      const response = await request(app().server).get('/health/ready').expect(503);

      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.body.status).toBe('error');
      expect(response.body.error).toEqual({ database: { status: 'down', message: expect.stringMatching(/\S/) } });
      expect(response.body.details.transport).toEqual({ status: 'up' });
      await request(app().server).get('/health/live').expect(200);
    });
  });

  describe('of a host on Kafka', () => {
    const prefix = `health${randomBytes(3).toString('hex')}.`;
    let app: RunningTestApp;

    beforeAll(async () => {
      app = await startKafkaTestApp(prefix);
    });
    afterAll(async () => {
      await app?.close();
    });

    it('answers ready with 200 once the producer is connected and the consumer has joined its group', async () => {
      const body = await eventually(
        async () => {
          const response = await request(app.server).get('/health/ready');
          return response.status === 200 ? response.body : undefined;
        },
        30_000,
        'the host to be ready on Kafka',
      );

      expect(body.details.transport).toEqual({ status: 'up', producer: 'up', consumer: 'up' });
    });
  });
});
