import request from 'supertest';
import { DEV_AUTHORIZATION, expectProblem, startTestApp, type RunningTestApp } from './support/test-app';

/**
 * GET /auth/whoami on the real host app and PostgreSQL: a console asks
 * whose key it holds to decide whether to show action buttons. It never
 * echoes the key, and a wrong key is the same 401 as everywhere.
 */

const OPERATOR_KEY = 'whoami-operator-key';
const READER_KEY = 'whoami-reader-key';
const API_KEYS = `ops:${OPERATOR_KEY}:operator,dash:${READER_KEY}:reader`;
const UNAUTHENTICATED_DETAIL =
  'This request needs a valid API key, sent as "Authorization: Bearer <key>" or "X-API-Key: <key>". Ask whoever runs this host for a key.';

describe.each([
  ['reads open to all', 'false'],
  ['reads needing a key', 'true'],
])('GET /auth/whoami with API_KEYS and %s', (_what, authReads) => {
  let running: RunningTestApp;
  const whoami = () => request(running.server).get('/auth/whoami');
  const readsNeedKey = authReads === 'true';

  beforeAll(async () => {
    running = await startTestApp('postgres', { API_KEYS, AUTH_READS: authReads });
  });

  afterAll(async () => {
    await running?.close();
  });

  it('names an operator key and its role, without the key', async () => {
    const response = await whoami().set('Authorization', `Bearer ${OPERATOR_KEY}`).expect(200);
    expect(response.body).toEqual({ name: 'ops', role: 'operator', readsNeedKey, developmentKey: false });
    expect(response.text).not.toContain(OPERATOR_KEY);
  });

  it('names a reader key sent as X-API-Key', async () => {
    const response = await whoami().set('X-API-Key', READER_KEY).expect(200);
    expect(response.body).toEqual({ name: 'dash', role: 'reader', readsNeedKey, developmentKey: false });
    expect(response.text).not.toContain(READER_KEY);
  });

  it(readsNeedKey ? 'refuses no key with a 401' : 'answers no key with nobody', async () => {
    const response = await whoami();
    if (readsNeedKey) {
      expectProblem(response, 401, 'unauthenticated');
      expect(response.headers['www-authenticate']).toMatch(/^Bearer\b/);
    } else {
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ name: null, role: null, readsNeedKey: false, developmentKey: false });
    }
  });

  it.each([
    ['a key nobody was given', { Authorization: 'Bearer not-a-key' }],
    ['the development key (API_KEYS replaces it)', { Authorization: DEV_AUTHORIZATION }],
    ['a wrong X-API-Key', { 'X-API-Key': 'not-a-key' }],
  ])('refuses %s with the same 401 as other endpoints', async (_key, headers) => {
    const response = await whoami().set(headers);
    expectProblem(response, 401, 'unauthenticated');
    expect(response.body.detail).toBe(UNAUTHENTICATED_DETAIL);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer\b/);
    expect(response.text).not.toContain('not-a-key');
  });
});

describe('GET /auth/whoami without API_KEYS', () => {
  let running: RunningTestApp;

  beforeAll(async () => {
    running = await startTestApp('postgres');
  });

  afterAll(async () => {
    await running?.close();
  });

  it('says the development key stands in, and names it as the operator "dev"', async () => {
    const response = await request(running.server).get('/auth/whoami').set('Authorization', DEV_AUTHORIZATION).expect(200);
    expect(response.body).toEqual({ name: 'dev', role: 'operator', readsNeedKey: false, developmentKey: true });
    expect(response.text).not.toContain('baton-dev-key');
  });
});
