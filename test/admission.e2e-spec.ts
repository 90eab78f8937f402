import { randomUUID } from 'node:crypto';
import request, { type Response } from 'supertest';
import type { SagaView } from '@baton/nest';
import { orderFor } from './support/orders';
import { DEV_AUTHORIZATION, expectProblem, startTestApp, type RunningTestApp } from './support/test-app';

/**
 * Back-pressure on the real host app and PostgreSQL: a start beyond
 * MAX_STARTS_PER_SECOND or MAX_SAGAS_IN_FLIGHT is answered 429 with
 * Retry-After, and creates nothing.
 */

const ORDERS = '/sagas/order-fulfillment';

async function withApp(env: Record<string, string>, test: (api: () => request.Agent) => Promise<void>): Promise<void> {
  const running: RunningTestApp = await startTestApp('postgres', env);
  try {
    await test(() => request.agent(running.server).set('Authorization', DEV_AUTHORIZATION));
  } finally {
    await running.close();
  }
}

const start = (api: () => request.Agent) => api().post(ORDERS).send(orderFor('completes', `admission-${randomUUID()}`));

async function sagaIds(api: () => request.Agent): Promise<string[]> {
  const { body } = await api().get('/sagas').query({ limit: 500 }).expect(200);
  return body.items.map((saga: SagaView) => saga.id);
}

function expectRetryLater(response: Response, type: string): void {
  expectProblem(response, 429, type);
  expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  expect(response.body.retryAfter).toBe(Number(response.headers['retry-after']));
}

describe('Admission control', () => {
  it('answers a burst beyond MAX_STARTS_PER_SECOND with 429 and Retry-After, and only the accepted starts exist', async () => {
    await withApp({ MAX_STARTS_PER_SECOND: '2' }, async (api) => {
      const began = performance.now();
      const responses = await Promise.all(Array.from({ length: 10 }, () => start(api)));
      const seconds = (performance.now() - began) / 1000;

      const accepted = responses.filter((response) => response.status === 202);
      const refused = responses.filter((response) => response.status !== 202);
      // The bucket holds 2 and refills 2 a second: a burst that lasted longer (a busy machine) may take a token more per half second.
      expect(accepted.length).toBeGreaterThanOrEqual(2);
      expect(accepted.length).toBeLessThanOrEqual(2 + Math.ceil(seconds * 2));
      expect(refused.length).toBeGreaterThanOrEqual(1);
      refused.forEach((response) => expectRetryLater(response, 'too-many-starts'));
      expect(refused[0].body.detail).toMatch(/at most 2 sagas per second.*nothing was started/);
      expect((await sagaIds(api)).sort()).toEqual(accepted.map((response) => response.body.id).sort());
    });
  });

  it('admits starts again once the bucket has refilled', async () => {
    await withApp({ MAX_STARTS_PER_SECOND: '2' }, async (api) => {
      await Promise.all([start(api).expect(202), start(api).expect(202)]);
      const refused = await start(api);
      expectRetryLater(refused, 'too-many-starts');

      await new Promise((resolve) => setTimeout(resolve, Number(refused.headers['retry-after']) * 1000));

      await start(api).expect(202);
    });
  });

  it('refuses the start beyond MAX_SAGAS_IN_FLIGHT while the others run, before and after it recounts', async () => {
    // Without participants nobody answers a command: every saga stays running.
    await withApp({ MAX_SAGAS_IN_FLIGHT: '3', PARTICIPANTS: 'none' }, async (api) => {
      for (let i = 0; i < 3; i++) await start(api).expect(202);

      const fourth = await start(api);

      expectRetryLater(fourth, 'too-many-sagas-in-flight');
      expect(fourth.body.detail).toMatch(/3 sagas are in flight.*nothing was started/);
      // Past the ~500 ms the count is cached for, the bound holds on the database's count.
      await new Promise((resolve) => setTimeout(resolve, 700));
      expectRetryLater(await start(api), 'too-many-sagas-in-flight');
      expect(await sagaIds(api)).toHaveLength(3);
    });
  });

  it('counts an idempotent repeat of a start as no new saga in flight', async () => {
    await withApp({ MAX_SAGAS_IN_FLIGHT: '2', PARTICIPANTS: 'none' }, async (api) => {
      const order = orderFor('completes', `admission-${randomUUID()}`);
      const first = await api().post(ORDERS).set('Idempotency-Key', order.orderId).send(order).expect(202);
      const again = await api().post(ORDERS).set('Idempotency-Key', order.orderId).send(order).expect(200);
      expect(again.body.id).toBe(first.body.id);

      await start(api).expect(202);

      expectRetryLater(await start(api), 'too-many-sagas-in-flight');
    });
  });
});
