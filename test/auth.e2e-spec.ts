import { randomUUID } from 'node:crypto';
import request, { type Test } from 'supertest';
import type { HistoryEntryView } from '@baton/nest';
import { HostProcess } from './support/host-process';
import { orderFor } from './support/orders';
import { DEV_AUTHORIZATION, expectProblem, startTestApp, type RunningTestApp } from './support/test-app';

/**
 * API keys on the real host app and PostgreSQL: every POST needs an operator
 * key, reads need a key only with AUTH_READS=true, and a refusal tells
 * nothing about which keys exist.
 */

const OPERATOR_KEY = 's3cret-operator-key';
const READER_KEY = 'r34d-only-key';
const API_KEYS = `ops:${OPERATOR_KEY}:operator,dash:${READER_KEY}:reader`;
const ORDERS = '/sagas/order-fulfillment';

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
const newOrder = () => orderFor('completes', `auth-${randomUUID()}`);

/** Nothing in a refusal may hint at the configured keys or their holders. */
function expectNothingLeaked(text: string): void {
  for (const secret of [OPERATOR_KEY, READER_KEY, 'ops', 'dash', 'baton-dev-key']) expect(text).not.toContain(secret);
}

describe('The REST API with API_KEYS set', () => {
  let running: RunningTestApp;
  const api = () => request(running.server);
  const sagaCount = async () => (await api().get('/sagas').query({ limit: 500 }).expect(200)).body.items.length as number;

  beforeAll(async () => {
    running = await startTestApp('postgres', { API_KEYS });
  });

  afterAll(async () => {
    await running?.close();
  });

  it.each<[string, Record<string, string>]>([
    ['no key', {}],
    ['a key nobody was given', bearer('not-a-key')],
    ['an operator key with its last letter changed', bearer(OPERATOR_KEY.slice(0, -1) + 'Y')],
    ['the development key (API_KEYS replaces it)', { Authorization: DEV_AUTHORIZATION }],
    ['a key in a Basic authorization', { Authorization: `Basic ${Buffer.from(`ops:${OPERATOR_KEY}`).toString('base64')}` }],
    ['a wrong X-API-Key', { 'X-API-Key': 'not-a-key' }],
  ])('refuses a start with %s with the same 401, a Bearer challenge, and starts nothing', async (_what, headers) => {
    const before = await sagaCount();

    const response = await api().post(ORDERS).set(headers).send(newOrder());

    expectProblem(response, 401, 'unauthenticated');
    expect(response.headers['www-authenticate']).toMatch(/^Bearer\b/);
    expect(response.body.detail).toBe(
      'This request needs a valid API key, sent as "Authorization: Bearer <key>" or "X-API-Key: <key>". Ask whoever runs this host for a key.',
    );
    expectNothingLeaked(response.text);
    expect(await sagaCount()).toBe(before);
  });

  it.each<[string, () => Test]>([
    ['a start', () => api().post(ORDERS).send(newOrder())],
    ['a dead-letter replay', () => api().post('/dead-letters/1/replay')],
    ['a dead-letter discard', () => api().post('/dead-letters/1/discard')],
  ])('refuses %s with a reader key with 403, changing nothing', async (_what, send) => {
    const before = await sagaCount();

    const response = await send().set(bearer(READER_KEY));

    expectProblem(response, 403, 'forbidden');
    expect(response.body.detail).toMatch(/needs a key with the operator role/);
    expectNothingLeaked(response.text);
    expect(await sagaCount()).toBe(before);
  });

  it.each<[string, Record<string, string>]>([
    ['an Authorization: Bearer header', bearer(OPERATOR_KEY)],
    ['an X-API-Key header', { 'X-API-Key': OPERATOR_KEY }],
  ])('starts a saga with an operator key in %s, and its history names the key holder', async (_how, headers) => {
    const started = await api().post(ORDERS).set(headers).send(newOrder()).expect(202);

    const history: HistoryEntryView[] = (await api().get(`/sagas/${started.body.id}/history`).expect(200)).body.items;
    expect(history[0]).toEqual(expect.objectContaining({ kind: 'start', actor: 'api:ops' }));
  });

  it('refuses every POST the API documents without a key (401) and with a reader key (403)', async () => {
    const { body: document } = await api().get('/docs-json').expect(200);
    const posts = Object.keys(document.paths)
      .filter((path) => document.paths[path].post)
      .map((path) => path.replace(/\{id\}/g, randomUUID()).replace(/\{[^}]+\}/g, 'x'));
    expect(posts).toEqual(expect.arrayContaining(['/sagas/x', expect.stringMatching(/^\/dead-letters\/.+\/replay$/)]));

    for (const path of posts) {
      expect([path, (await api().post(path).send({})).status]).toEqual([path, 401]);
      expect([path, (await api().post(path).set(bearer(READER_KEY)).send({})).status]).toEqual([path, 403]);
    }
  });

  it.each(['/sagas', '/definitions', '/asyncapi.json', '/dead-letters', '/docs-json'])('lets anyone read %s when AUTH_READS is not set', async (path) => {
    await api().get(path).expect(200);
  });
});

describe('The REST API with AUTH_READS=true', () => {
  let running: RunningTestApp;
  const api = () => request(running.server);

  beforeAll(async () => {
    running = await startTestApp('postgres', { API_KEYS, AUTH_READS: 'true' });
  });

  afterAll(async () => {
    await running?.close();
  });

  it.each(['/sagas', `/sagas/${randomUUID()}`, '/definitions', '/definitions/order-fulfillment', '/asyncapi.json', '/dead-letters', '/dead-letters/1'])(
    'refuses to read %s without a key with 401',
    async (path) => {
      const response = await api().get(path);

      expectProblem(response, 401, 'unauthenticated');
      expect(response.headers['www-authenticate']).toMatch(/^Bearer\b/);
      expectNothingLeaked(response.text);
    },
  );

  it.each([
    ['a reader', READER_KEY],
    ['an operator', OPERATOR_KEY],
  ])('lets %s key read', async (_role, key) => {
    const started = await api().post(ORDERS).set(bearer(OPERATOR_KEY)).send(newOrder()).expect(202);

    await api().get('/sagas').set(bearer(key)).expect(200);
    await api().get(`/sagas/${started.body.id}`).set(bearer(key)).expect(200);
    await api().get('/definitions').set({ 'X-API-Key': key }).expect(200);
    await api().get('/dead-letters').set(bearer(key)).expect(200);
  });

  it('still refuses a reader key on a start', async () => {
    expectProblem(await api().post(ORDERS).set(bearer(READER_KEY)).send(newOrder()), 403, 'forbidden');
  });
});

describe('The host process without API_KEYS', () => {
  let host: HostProcess | undefined;

  afterEach(async () => {
    await host?.stop();
    host = undefined;
  });

  it('warns at start that it accepts the development key, and accepts it on a start', async () => {
    host = new HostProcess({ PGLITE_DATA_DIR: 'memory://', NODE_ENV: 'development', API_KEYS: '' });
    await host.start();

    expect(host.output.join('')).toMatch(/API_KEYS is unset: the development key "baton-dev-key" \(role operator\) is accepted/);
    const response = await fetch(`${host.baseUrl}${ORDERS}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: DEV_AUTHORIZATION },
      body: JSON.stringify(newOrder()),
    });
    expect(response.status).toBe(202);
  });

  it('refuses to start with NODE_ENV=production, saying which variable to set', async () => {
    host = new HostProcess({ PGLITE_DATA_DIR: 'memory://', NODE_ENV: 'production', API_KEYS: '' });

    await expect(host.start()).rejects.toThrow(/exited with 2:[\s\S]*API_KEYS is unset, and NODE_ENV=production[\s\S]*set API_KEYS=name:key:role/);
  });
});
