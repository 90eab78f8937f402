import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { eventually, orderFor } from './support/orders';
import { DEV_AUTHORIZATION, bootTestApp } from './support/test-app';

/**
 * The embedded default keeps sagas in PGlite files: a saga waiting on a
 * timer when the host stops resumes, and its timer fires, when the host
 * starts again on the same folder.
 */
describe('A host on the embedded database', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-pglite-'));
  const env = { PGLITE_DATA_DIR: dataDir, ORDER_PAYMENT_TIMEOUT_MS: '1500' };
  let app: NestExpressApplication | undefined;

  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('fires a timer armed before a restart once it is up again', async () => {
    app = (await bootTestApp(env)).app;
    const started = await request(app.getHttpServer())
      .post('/sagas/order-fulfillment')
      .set('content-type', 'application/json')
      .set('authorization', DEV_AUTHORIZATION)
      .send(orderFor('payment-times-out', 'embedded-1'))
      .expect(202);
    const id: string = started.body.id;
    expect(started.body.timers).toEqual(
      expect.arrayContaining([expect.objectContaining({ key: expect.stringContaining('paymentTimeout') })]),
    );
    await app.close();

    app = (await bootTestApp(env)).app;
    const server = app.getHttpServer();
    const saga = await eventually(async () => {
      const { body } = await request(server).get(`/sagas/${id}`).expect(200);
      return body.status === 'compensated' ? body : undefined;
    }, 20_000, 'the saga to compensate');
    expect(saga.context.failure).toEqual({ step: 'authorizePayment', reason: 'payment did not answer within 1500 ms' });
    const { body: history } = await request(server).get(`/sagas/${id}/history`).expect(200);
    expect(history.items.filter((entry: { kind: string }) => entry.kind === 'timer')).toHaveLength(1);
  });
});
