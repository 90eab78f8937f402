import request from 'supertest';
import { expectProblem, startTestApp, type RunningTestApp } from './support/test-app';

/**
 * What a console draws a saga on: GET /definitions/{name}/chart (the
 * statechart as JSON, the model `baton graph` draws) and
 * GET /definitions/{name}/diagram.svg (laid out by Graphviz, states and
 * transitions findable by id and class), read with a reader key from a
 * host that protects reads, on PostgreSQL.
 */

const READER_KEY = 'r34der-chart-key';
const API_KEYS = `ops:op3rator-chart-key:operator,dash:${READER_KEY}:reader`;
const ID = 'order-fulfillment';

let host: RunningTestApp;

beforeAll(async () => {
  // A payment timeout of the host's own, so the chart is seen to be the definition it runs.
  host = await startTestApp('postgres', { API_KEYS, AUTH_READS: 'true', ORDER_PAYMENT_TIMEOUT_MS: '45000' });
});

afterAll(async () => {
  await host?.close();
});

const reader = { Authorization: `Bearer ${READER_KEY}` };
const get = (path: string) => request(host.server).get(path).set(reader);
/** The SVG as text (superagent buffers only text/* and JSON by itself). */
const getSvg = (path: string) =>
  get(path)
    .buffer(true)
    .parse((response, done) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => done(null, text));
    });

const stateOf = (chart: any, id: string) => chart.states.find((state: any) => state.id === id);

describe('GET /definitions/{name}/chart', () => {
  it("answers the newest version's statechart as JSON: states, transitions by index, timers, compensations", async () => {
    const response = await get(`/definitions/${ID}/chart`).expect(200);
    expect(response.headers['content-type']).toMatch(/^application\/json\b/);
    const chart = response.body;
    expect(chart).toMatchObject({ name: ID, version: 1, root: ID, description: expect.stringMatching(/\S/) });
    expect(chart.states[0]).toMatchObject({ id: ID, kind: 'compound', initial: `${ID}.securing` });
    expect(chart.states[0]).not.toHaveProperty('parent');

    expect(stateOf(chart, `${ID}.securing`)).toMatchObject({
      key: 'securing',
      path: ['securing'],
      parent: ID,
      kind: 'parallel',
      children: [`${ID}.securing.stock`, `${ID}.securing.payment`],
      compensates: false,
    });
    for (const region of ['stock', 'payment']) {
      expect(stateOf(chart, `${ID}.securing.${region}`)).toMatchObject({ kind: 'compound', parent: `${ID}.securing` });
    }
    expect(stateOf(chart, `${ID}.securing.stock.reserving`)).toEqual({
      id: `${ID}.securing.stock.reserving`,
      key: 'reserving',
      path: ['securing', 'stock', 'reserving'],
      parent: `${ID}.securing.stock`,
      kind: 'atomic',
      children: [],
      tags: [],
      sends: [{ command: 'ReserveStock', step: 'reserveStock', undoneBy: 'ReleaseStock' }],
      compensates: false,
      timers: [],
    });
    expect(stateOf(chart, `${ID}.compensating.undoing`)).toMatchObject({ compensates: true, parent: `${ID}.compensating` });
    expect(chart.states.filter((state: any) => state.compensates).map((state: any) => state.id)).toEqual([`${ID}.compensating.undoing`]);

    const [timer] = stateOf(chart, `${ID}.securing.payment.authorizing`).timers;
    expect(timer).toEqual({ transition: expect.any(Number), delay: 'paymentTimeout (45 s)', ms: 45_000 });
    expect(chart.transitions[timer.transition]).toEqual({
      index: timer.transition,
      source: `${ID}.securing.payment.authorizing`,
      targets: [`${ID}.securing.payment.timedOut`],
      kind: 'after',
      delay: 'paymentTimeout (45 s)',
      delayMs: 45_000,
      sends: [],
      label: 'after paymentTimeout (45 s)',
    });
    expect(chart.transitions.map((t: any) => t.index)).toEqual(chart.transitions.map((_: unknown, i: number) => i));
    expect(chart.transitions).toContainEqual(
      expect.objectContaining({ source: `${ID}.securing.stock.reserving`, kind: 'event', event: 'StepFailed', guard: 'reserveStock failed' }),
    );
    expect(chart.compensations).toContainEqual({
      step: 'reserveStock',
      command: 'ReserveStock',
      undoneBy: 'ReleaseStock',
      from: [`${ID}.securing.stock.reserving`],
      to: [`${ID}.compensating.undoing`],
      label: 'ReleaseStock undoes ReserveStock',
    });
  });

  it('answers the same chart for ?version=1, the only version', async () => {
    const newest = await get(`/definitions/${ID}/chart`).expect(200);
    const first = await get(`/definitions/${ID}/chart?version=1`).expect(200);
    expect(first.body).toEqual(newest.body);
  });
});

describe('GET /definitions/{name}/diagram.svg', () => {
  it('answers the laid-out SVG, marked as such, cacheable, with every state and transition findable', async () => {
    const response = await getSvg(`/definitions/${ID}/diagram.svg`).expect(200);
    expect(response.headers).toMatchObject({
      'content-type': 'image/svg+xml; charset=utf-8',
      'cache-control': 'private, max-age=3600',
      'x-content-type-options': 'nosniff',
    });
    const svg: string = response.body;
    expect(svg).toMatch(/^<\?xml version="1.0" encoding="UTF-8" standalone="no"\?>/);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain(`<g id="state:${ID}.completed" class="node baton-state baton-final">`);
    expect(svg).toContain(`<g id="state:${ID}.securing" class="cluster baton-state baton-parallel">`);
    expect(svg).toContain(`<g id="state:${ID}.compensating.undoing" class="node baton-state baton-atomic baton-compensation">`);
    expect(svg).toMatch(/<g id="edge\d+" class="edge baton-transition baton-t3">/);
    expect(svg).toMatch(/<g id="edge\d+" class="edge baton-transition baton-t9 baton-after">/);
    expect(svg).toMatch(/<g id="node\d+" class="node baton-undo">/);
    expect(svg).toContain('after paymentTimeout (45 s)');

    const { body: chart } = await get(`/definitions/${ID}/chart`).expect(200);
    for (const state of chart.states.slice(1)) expect(svg).toContain(` id="state:${state.id}" class="`);

    const again = await getSvg(`/definitions/${ID}/diagram.svg?version=1`).expect(200);
    expect(again.body).toBe(svg);
  });
});

describe('The definition routes refuse', () => {
  it.each([
    ['chart', `/definitions/no-such-saga/chart`, 404, 'unknown-saga'],
    ['chart', `/definitions/${ID}/chart?version=2`, 404, 'unknown-version'],
    ['diagram', `/definitions/no-such-saga/diagram.svg`, 404, 'unknown-saga'],
    ['diagram', `/definitions/${ID}/diagram.svg?version=2`, 404, 'unknown-version'],
  ])('a %s of a saga or version the host does not run (GET %s) with a %i %s problem', async (_what, path, status, type) => {
    const response = await get(path);
    expectProblem(response, status, type);
    expect(response.headers['cache-control']).toBeUndefined();
  });

  it.each([
    ['abc', 'must be a positive integer'],
    ['0', 'must be a positive integer'],
    ['1.5', 'must be a positive integer'],
    ['-1', 'must be a positive integer'],
    ['', 'must be a positive integer'],
  ])('version=%j, on the chart, the diagram and the definition, with a 400 naming version', async (version, detail) => {
    for (const path of [`/definitions/${ID}/chart`, `/definitions/${ID}/diagram.svg`, `/definitions/${ID}`]) {
      const response = await get(`${path}?version=${encodeURIComponent(version)}`);
      expectProblem(response, 400, 'invalid-parameter');
      expect(response.body).toMatchObject({ parameter: 'version', detail: expect.stringContaining(detail) });
      expect(response.body.detail).toMatch(/^version: /);
    }
  });

  it('a version given twice, with the 400 the host gives any repeated parameter, naming version', async () => {
    for (const path of [`/definitions/${ID}/chart`, `/definitions/${ID}/diagram.svg`]) {
      const response = await get(`${path}?version=1&version=1`);
      expectProblem(response, 400, 'repeated-query-parameter');
      expect(response.body.errors).toEqual([expect.objectContaining({ field: 'query.version' })]);
    }
  });

  it('to read without a key when reads are protected, like GET /definitions/{name}', async () => {
    for (const path of [`/definitions/${ID}`, `/definitions/${ID}/chart`, `/definitions/${ID}/diagram.svg`]) {
      expectProblem(await request(host.server).get(path), 401, 'unauthenticated');
    }
  });
});

describe('The OpenAPI document', () => {
  it('describes the chart and the diagram, with its query and its image/svg+xml answer', async () => {
    const { body } = await get('/docs-json').expect(200);
    const chart = body.paths['/definitions/{name}/chart'].get;
    const diagram = body.paths['/definitions/{name}/diagram.svg'].get;
    for (const operation of [chart, diagram]) {
      expect(operation.tags).toEqual(['definitions']);
      expect(operation.summary).toMatch(/\S/);
      expect(operation.parameters).toContainEqual(expect.objectContaining({ name: 'version', in: 'query', required: false }));
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '400', '404']));
    }
    expect(Object.keys(diagram.responses['200'].content)).toEqual(['image/svg+xml']);
  });
});
