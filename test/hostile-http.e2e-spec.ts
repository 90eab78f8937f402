import { randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import type { Response } from 'supertest';
import type { HistoryEntryView, SagaView } from '@baton/nest';
import { DeadLetterRepository } from '@baton/postgres';
import { eventually, orderFor } from './support/orders';
import { DEV_AUTHORIZATION, expectProblem, startTestApp, type RunningTestApp } from './support/test-app';

/**
 * Baton as an attacker tries it: a generated corpus of hostile input sent
 * into every endpoint that takes a JSON body, into query strings and path
 * segments, and malformed HTTP sent over raw sockets. Whatever arrives, the
 * answer is a 4xx problem+json (never a 5xx, never Express's HTML page) and
 * a refused request changes nothing. One host on PostgreSQL.
 */

const ORDERS = '/sagas/order-fulfillment';
const JSON_TYPE = { 'content-type': 'application/json' };

let host: RunningTestApp;
let port: number;
/** A saga waiting for its payment (which never answers within the suite): what a refused request must not change. */
let running: string;
/** A completed saga: what requests that pass the HTTP rules are sent to, where they answer 409 and change nothing. */
let ended: string;
let openLetter: string;
let discardedLetter: string;

// --- sending -----------------------------------------------------------------

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  body: any;
}

/** One request with exactly these headers and body bytes (Node adds Host, Connection and Content-Length). */
function send(method: string, path: string, body?: Buffer | string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: '127.0.0.1', port, method, path, headers: { authorization: DEV_AUTHORIZATION, ...headers } },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('error', reject);
        incoming.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const json = /^application\/([\w.-]+\+)?json\b/.test(incoming.headers['content-type'] ?? '');
          resolve({ status: incoming.statusCode!, headers: incoming.headers, text, body: json ? JSON.parse(text) : undefined });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

const postJson = (path: string, body: Buffer | string | object, headers: Record<string, string> = JSON_TYPE) =>
  send('POST', path, typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body), headers);

/** Runs `work` over `items`, a few at a time (the machine has two cores). */
async function inBatches<T, R>(items: T[], work: (item: T) => Promise<R>, size = 8): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size) results.push(...(await Promise.all(items.slice(i, i + size).map(work))));
  return results;
}

/** What matters of an answer, for comparing a whole batch at once: status, whether it is problem+json, its type and first field. */
function outcome(answer: Answer) {
  return {
    status: answer.status,
    problemJson: /^application\/problem\+json\b/.test(answer.headers['content-type'] ?? ''),
    type: typeof answer.body?.type === 'string' ? answer.body.type.replace('https://baton.dev/problems/', '') : undefined,
    ...(answer.body?.errors ? { field: answer.body.errors[0]?.field } : {}),
  };
}

const refused = (status: number, type: string, field?: unknown) => ({
  status,
  problemJson: true,
  type,
  ...(field === undefined ? {} : { field }),
});

/** expectProblem from the support module, for an answer read with node:http. */
const expectProblemAnswer = (answer: Answer, status: number, type: string) => expectProblem(answer as unknown as Response, status, type);

// --- what must not change ----------------------------------------------------

const sagaOf = async (id: string): Promise<SagaView> => (await send('GET', `/sagas/${id}`)).body;
const historyOf = async (id: string): Promise<HistoryEntryView[]> => (await send('GET', `/sagas/${id}/history`)).body.items;

/** Every saga id, the targets' versions and history lengths, and the dead letters' state. */
async function snapshot() {
  const ids = ((await send('GET', '/sagas?limit=500')).body.items as SagaView[]).map((saga) => saga.id).sort();
  const sagas = await Promise.all(
    [running, ended].map(async (id) => ({ id, version: (await sagaOf(id)).version, history: (await historyOf(id)).length })),
  );
  const letters = await Promise.all([openLetter, discardedLetter].map(async (id) => (await send('GET', `/dead-letters/${id}`)).body));
  return { ids, sagas, letters };
}

/** Sends `requests` and checks that nothing changed; returns the answers. */
async function refusedBatch<T>(requests: T[], sendOne: (request: T) => Promise<Answer>): Promise<Answer[]> {
  const before = await snapshot();
  const answers = await inBatches(requests, sendOne);
  expect(await snapshot()).toEqual(before);
  return answers;
}

// --- the corpus --------------------------------------------------------------

const hex = (code: number) => code.toString(16).toUpperCase().padStart(4, '0');

/** Text PostgreSQL cannot store or that is not Unicode: U+0000 and every kind of unpaired surrogate (sent as JSON \u escapes). */
const UNSTORABLE_TEXT: Array<[string, string]> = [
  ['U+0000 alone', '\u0000'],
  ['U+0000 inside', 'a\u0000b'],
  ['U+0000 at the end', 'order-1\u0000'],
  ...[0xd800, 0xd83d, 0xdbff].map((code): [string, string] => [`a lone high surrogate U+${hex(code)}`, `a${String.fromCharCode(code)}b`]),
  ['a high surrogate at the end', 'order-\ud83d'],
  ...[0xdc00, 0xde00, 0xdfff].map((code): [string, string] => [`a lone low surrogate U+${hex(code)}`, `a${String.fromCharCode(code)}b`]),
  ['a low surrogate at the start', '\ude00order'],
  ['a reversed surrogate pair', '\ude00\ud83d'],
  ['a high surrogate before a pair', '\ud83d\ud83d\ude00'],
  ['a low surrogate after a pair', '\ud83d\ude00\ude00'],
];

/** Every control character PostgreSQL stores: U+0001 to U+001F and U+007F. */
const STORABLE_CONTROLS = [...Array.from({ length: 0x1f }, (_, i) => i + 1), 0x7f].map((code) => String.fromCharCode(code));

/** Bytes that are not UTF-8, placed raw inside a JSON string. */
const INVALID_UTF8: Array<[string, number[]]> = [
  ['FF', [0xff]],
  ['FE', [0xfe]],
  ['a lone continuation byte 80', [0x80]],
  ['a lone continuation byte BF', [0xbf]],
  ['overlong "/" C0 AF', [0xc0, 0xaf]],
  ['overlong C1 BF', [0xc1, 0xbf]],
  ['overlong "/" E0 80 AF', [0xe0, 0x80, 0xaf]],
  ['overlong "/" F0 80 80 AF', [0xf0, 0x80, 0x80, 0xaf]],
  ['the encoded surrogate U+D800 ED A0 80', [0xed, 0xa0, 0x80]],
  ['the encoded surrogate U+DFFF ED BF BF', [0xed, 0xbf, 0xbf]],
  ['an encoded surrogate pair (CESU-8) ED A0 BD ED B8 80', [0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]],
  ['a truncated two-byte sequence C3', [0xc3]],
  ['a truncated three-byte sequence E2 82', [0xe2, 0x82]],
  ['a truncated four-byte sequence F0 9F 98', [0xf0, 0x9f, 0x98]],
  ['beyond U+10FFFF F4 90 80 80', [0xf4, 0x90, 0x80, 0x80]],
  ['F5 80 80 80', [0xf5, 0x80, 0x80, 0x80]],
  ['a five-byte form F8 88 80 80 80', [0xf8, 0x88, 0x80, 0x80, 0x80]],
];

/** A JSON array nested `levels` deep, as text: [[[...]]]. */
const nestedJson = (levels: number): string => '['.repeat(levels) + ']'.repeat(levels);
const nested = (levels: number): unknown => JSON.parse(nestedJson(levels));

const PLACEHOLDER = 'HOSTILE-PLACEHOLDER';
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** `json` with the (quoted) placeholder's text replaced by raw bytes; and where they start. */
function withRawBytes(json: string, bytes: number[]): { body: Buffer; offset: number } {
  const [before, after] = json.split(PLACEHOLDER);
  const head = Buffer.from(before, 'utf8');
  return { body: Buffer.concat([head, Buffer.from(bytes), Buffer.from(after, 'utf8')]), offset: head.length };
}

// --- the endpoints -----------------------------------------------------------

interface BodyEndpoint {
  name: string;
  /** Where a refused request goes: a target it would change if it were accepted. */
  target: () => string;
  /** Where a request that passes the HTTP rules goes: an ended saga or discarded letter, which answer 409. */
  inert: () => string;
  /** A body the endpoint accepts, with `value` in its text field. */
  body: (value: unknown) => Record<string, unknown>;
  /** The JSON pointer of that field. */
  field: string;
}

const ENDPOINTS: BodyEndpoint[] = [
  {
    name: 'POST /sagas/order-fulfillment',
    target: () => ORDERS,
    inert: () => ORDERS,
    body: (value) => ({ ...orderFor('completes', `hostile-${randomUUID()}`), orderId: value }),
    field: '/orderId',
  },
  {
    name: 'POST /sagas/{id}/signals/AbortRequested',
    target: () => `/sagas/${running}/signals/AbortRequested`,
    inert: () => `/sagas/${ended}/signals/AbortRequested`,
    body: (value) => ({ reason: value, by: 'tester' }),
    field: '/reason',
  },
  {
    name: 'POST /sagas/{id}/abort',
    target: () => `/sagas/${running}/abort`,
    inert: () => `/sagas/${ended}/abort`,
    body: (value) => ({ reason: value }),
    field: '/reason',
  },
  {
    name: 'POST /sagas/{id}/resolve',
    target: () => `/sagas/${running}/resolve`,
    inert: () => `/sagas/${ended}/resolve`,
    body: (value) => ({ note: value }),
    field: '/note',
  },
  {
    name: 'POST /sagas/{id}/retry',
    target: () => `/sagas/${running}/retry`,
    inert: () => `/sagas/${ended}/retry`,
    body: (value) => ({ note: value }),
    field: '/note',
  },
  {
    name: 'POST /dead-letters/{id}/discard',
    target: () => `/dead-letters/${openLetter}/discard`,
    inert: () => `/dead-letters/${discardedLetter}/discard`,
    body: (value) => ({ reason: value }),
    field: '/reason',
  },
  {
    name: 'POST /dead-letters/{id}/replay',
    target: () => `/dead-letters/${openLetter}/replay`,
    inert: () => `/dead-letters/${discardedLetter}/replay`,
    body: (value) => ({ note: value }),
    field: '/note',
  },
];

// --- the host ----------------------------------------------------------------

beforeAll(async () => {
  // The payment of an unresponsive card never answers within the suite: that saga waits.
  host = await startTestApp('postgres', { ORDER_PAYMENT_TIMEOUT_MS: '600000' });
  port = (host.server.address() as { port: number }).port;
  const [waiting, completing] = await Promise.all([
    postJson(ORDERS, orderFor('payment-times-out', `hostile-waiting-${randomUUID()}`)),
    postJson(ORDERS, orderFor('completes', `hostile-ended-${randomUUID()}`)),
  ]);
  expect([waiting.status, completing.status]).toEqual([202, 202]);
  running = waiting.body.id;
  ended = completing.body.id;

  const deadLetters = host.app.get(DeadLetterRepository);
  const messageIds = [randomUUID(), randomUUID()];
  for (const messageId of messageIds) {
    const raw = {
      key: Buffer.from('k-1'),
      value: Buffer.from('not json at all'),
      headers: [
        { name: 'message-id', value: Buffer.from(messageId) },
        { name: 'message-type', value: Buffer.from('PaymentAuthorized') },
      ],
    };
    await deadLetters.record('orchestrator', { topic: 'saga.replies', reason: 'the message value is not JSON', attempts: 1, raw });
  }
  const open = await deadLetters.page({ status: 'open', limit: 500 });
  [openLetter, discardedLetter] = messageIds.map((messageId) => open.find((letter) => letter.messageId === messageId)!.id);
  expect((await postJson(`/dead-letters/${discardedLetter}/discard`, { reason: 'a target for the suite' })).status).toBe(200);

  const reserved = async () => (await historyOf(running)).some((entry) => entry.event === 'StockReserved') || undefined;
  await eventually(reserved, 20_000, 'the stock to be reserved');
  await eventually(async () => ((await sagaOf(ended)).status === 'completed' || undefined), 20_000, 'the order to complete');
});

afterAll(async () => {
  await host?.close();
});

// --- JSON bodies -------------------------------------------------------------

describe.each(ENDPOINTS)('$name', (endpoint) => {
  it('refuses U+0000 and unpaired surrogates in a value, a key or a nested array with a 400 naming the field, and changes nothing', async () => {
    const key = (value: string) => `/${value.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    const cases = UNSTORABLE_TEXT.flatMap(([what, value]) => [
      { what: `${what} as the value`, body: endpoint.body(value), field: endpoint.field },
      { what: `${what} as a key`, body: { ...endpoint.body('ok'), [value]: 'x' }, field: key(value) },
      { what: `${what} in an array`, body: endpoint.body({ list: ['ok', value] }), field: `${endpoint.field}/list/1` },
    ]);

    const answers = await refusedBatch(cases, (item) => postJson(endpoint.target(), item.body));

    expect(answers.map((answer, i) => ({ what: cases[i].what, ...outcome(answer) }))).toEqual(
      cases.map((item) => ({ what: item.what, ...refused(400, 'unstorable-input', item.field) })),
    );
    for (const answer of answers) {
      expectProblemAnswer(answer, 400, 'unstorable-input');
      expect(answer.body.detail).toMatch(/valid Unicode/);
      expect(answer.body.errors).toEqual([{ field: expect.any(String), message: expect.stringMatching(/U\+0000|unpaired surrogate/) }]);
    }
  });

  it('refuses a body that is not UTF-8 with a 400 naming the byte offset, and changes nothing', async () => {
    const json = JSON.stringify(endpoint.body(`a${PLACEHOLDER}b`));
    const cases = [
      ...INVALID_UTF8.map(([what, bytes]) => ({ what, ...withRawBytes(json, bytes) })),
      { what: 'FF between tokens', ...withRawBytes(json.replace(`"a${PLACEHOLDER}b"`, ` ${PLACEHOLDER} "x"`), [0xff]) },
    ];

    const answers = await refusedBatch(cases, (item) => postJson(endpoint.target(), item.body));

    expect(answers.map((answer, i) => ({ what: cases[i].what, ...outcome(answer), byteOffset: answer.body?.byteOffset }))).toEqual(
      cases.map((item) => ({ what: item.what, ...refused(400, 'invalid-utf8'), byteOffset: item.offset })),
    );
    for (const [i, answer] of answers.entries()) {
      expectProblemAnswer(answer, 400, 'invalid-utf8');
      expect(answer.body.detail).toContain(`byte offset ${cases[i].offset}`);
    }
  });

  it('refuses JSON nested deeper than 64 levels (65, 1000, 100000) with a 400, changing nothing, and lets 64 levels through', async () => {
    const cases = [65, 1000, 100_000].map((levels) => ({ what: `${levels} levels`, body: nestedJson(levels) }));
    // The same depths under the endpoint's own field (the body object is one level more).
    cases.push(
      ...[64, 999].map((levels) => ({ what: `${levels} levels under ${endpoint.field}`, body: JSON.stringify(endpoint.body(nested(levels))) })),
    );

    const answers = await refusedBatch(cases, (item) => postJson(endpoint.target(), item.body));

    expect(answers.map((answer, i) => ({ what: cases[i].what, ...outcome(answer) }))).toEqual(
      cases.map((item) => ({ what: item.what, ...refused(400, 'unstorable-input', expect.stringMatching(/^(\/0){64}$|^\/[a-zA-Z]+(\/0){63}$/)) })),
    );
    for (const answer of answers) {
      expectProblemAnswer(answer, 400, 'unstorable-input');
      expect(answer.body.errors[0].message).toMatch(/deeper than 64 levels/);
    }

    // 64 levels in all pass the HTTP rules; what the endpoint makes of them is its own 4xx.
    const allowed = await postJson(endpoint.inert(), JSON.stringify(endpoint.body(nested(63))));
    expect(outcome(allowed)).toEqual(expect.objectContaining({ problemJson: true }));
    expect(allowed.status).toBeGreaterThanOrEqual(400);
    expect(allowed.status).toBeLessThan(500);
    expect(outcome(allowed).type).not.toBe('unstorable-input');
  });

  it('refuses a 1 MB string with 413, and changes nothing', async () => {
    const [answer] = await refusedBatch([endpoint.body('x'.repeat(1024 * 1024))], (body) => postJson(endpoint.target(), body));
    expectProblemAnswer(answer, 413, 'body-too-large');
  });

  it('refuses a JSON body without Content-Type, or of another type, with 415, and changes nothing', async () => {
    const json = JSON.stringify(endpoint.body('a reason'));
    const cases: Array<{ what: string; headers: Record<string, string> }> = [
      { what: 'no Content-Type', headers: {} },
      { what: 'text/plain', headers: { 'content-type': 'text/plain' } },
      { what: 'a form', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      { what: 'text/json', headers: { 'content-type': 'text/json' } },
      { what: 'application/jsonp', headers: { 'content-type': 'application/jsonp' } },
      { what: 'no Content-Type, chunked', headers: { 'transfer-encoding': 'chunked' } },
    ];

    const answers = await refusedBatch(cases, (item) => postJson(endpoint.target(), json, item.headers));

    expect(answers.map((answer, i) => ({ what: cases[i].what, ...outcome(answer) }))).toEqual(
      cases.map((item) => ({ what: item.what, ...refused(415, 'unsupported-media-type') })),
    );
    for (const answer of answers) {
      expectProblemAnswer(answer, 415, 'unsupported-media-type');
      expect(answer.body.detail).toMatch(/application\/json/);
    }
  });

  it('takes a request without a body and without Content-Type past the media-type rule', async () => {
    const answers = await Promise.all([
      send('POST', endpoint.inert()),
      // An empty body is no body, whatever its type says.
      send('POST', endpoint.inert(), '', { 'content-type': 'text/plain', 'content-length': '0' }),
    ]);
    for (const answer of answers) {
      expect(outcome(answer)).toEqual(expect.objectContaining({ problemJson: true }));
      expect(answer.status).not.toBe(415);
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
    }
  });

  if (endpoint.name !== `POST ${ORDERS}`) {
    it('lets every storable control character through to the endpoint, which answers for itself without a 5xx', async () => {
      const answers = await inBatches(STORABLE_CONTROLS, (control) => postJson(endpoint.inert(), endpoint.body(`a${control}b`)));
      expect(answers.map(outcome)).toEqual(STORABLE_CONTROLS.map(() => expect.objectContaining({ status: 409, problemJson: true })));
    });
  }
});

describe('A saga input', () => {
  it('keeps every storable control character, emoji and raw multi-byte UTF-8 exactly as sent', async () => {
    const controls = STORABLE_CONTROLS.join('');
    const order = {
      ...orderFor('completes', `controls-${randomUUID()}${controls}`),
      customerId: 'customer 😀 👩‍👩‍👧 \ud83d\ude00',
      shippingAddress: { line1: 'Ünïcødé-Straße 1 €', city: '東京 \u{10ffff}\uffff', postalCode: '10115', country: 'DE' },
    };
    const bom = orderFor('completes', `bom-${randomUUID()}`);

    const answers = [
      await postJson(ORDERS, order),
      // Raw UTF-8 (not \u escapes), led by a byte order mark, which is ignored (RFC 8259, section 8.1).
      await postJson(ORDERS, Buffer.concat([BOM, Buffer.from(JSON.stringify({ ...bom, customerId: 'Zoë 😀' }), 'utf8')])),
      await postJson(ORDERS, Buffer.from(JSON.stringify(order).replace(/"orderId":"controls-/, '"orderId":"utf8-'), 'utf8'), {
        'content-type': 'application/json; charset=utf-8',
      }),
    ];

    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202]);
    const [first, second, third] = await Promise.all(answers.map((answer) => sagaOf(answer.body.id)));
    expect((first.context as any).order).toEqual(order);
    expect((second.context as any).order).toEqual({ ...bom, customerId: 'Zoë 😀' });
    expect((third.context as any).order.orderId).toBe(order.orderId.replace(/^controls-/, 'utf8-'));
    expect((third.context as any).order.shippingAddress).toEqual(order.shippingAddress);
  });

  it('refuses a byte order mark anywhere but at the start, hostile text behind one, and a charset other than UTF-8, changing nothing', async () => {
    const json = JSON.stringify(orderFor('completes', `bom-${randomUUID()}`));
    const cases: Array<{ what: string; body: Buffer; type?: string; expected: ReturnType<typeof refused> }> = [
      { what: 'two byte order marks', body: Buffer.concat([BOM, BOM, Buffer.from(json)]), expected: refused(400, 'malformed-json') },
      { what: 'a byte order mark inside', body: Buffer.from(json.replace('{', '{\ufeff')), expected: refused(400, 'malformed-json') },
      {
        what: 'U+0000 behind a byte order mark',
        body: Buffer.concat([BOM, Buffer.from(JSON.stringify({ ...JSON.parse(json), orderId: 'a\u0000b' }))]),
        expected: refused(400, 'unstorable-input', '/orderId'),
      },
      ...['utf-16le', 'UTF-16BE', 'utf-7', '"iso-8859-1"'].map((charset) => ({
        // JSON between systems is UTF-8 (RFC 8259, section 8.1): another charset is refused before the body is read.
        what: `a body in charset ${charset}`,
        body: Buffer.from(JSON.stringify({ ...JSON.parse(json), orderId: 'a\ud800b' }), 'utf16le'),
        type: `application/json; charset=${charset}`,
        expected: refused(415, 'unsupported-encoding'),
      })),
    ];

    const answers = await refusedBatch(cases, (item) => postJson(ORDERS, item.body, { 'content-type': item.type ?? 'application/json' }));

    expect(answers.map((answer, i) => ({ what: cases[i].what, ...outcome(answer) }))).toEqual(
      cases.map((item) => ({ what: item.what, ...item.expected })),
    );
  });

  it('may be sent as application/*+json, in any letter case', async () => {
    const answers = await Promise.all(
      ['application/vnd.baton.order+json', 'Application/JSON; Charset=UTF-8'].map((type) =>
        postJson(ORDERS, orderFor('completes', `typed-${randomUUID()}`), { 'content-type': type }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual([202, 202]);
  });
});

// --- query strings and paths -------------------------------------------------

/** Query values and names that are not storable text, or not percent-encoded UTF-8. */
const QUERY_VALUES: Array<[string, string, 'unstorable-input' | 'malformed-percent-encoding']> = [
  ['U+0000', '%00', 'unstorable-input'],
  ['U+0000 inside', 'a%00b', 'unstorable-input'],
  ['FF', '%FF', 'malformed-percent-encoding'],
  ['a lone continuation byte', '%80', 'malformed-percent-encoding'],
  ['an encoded surrogate', '%ED%A0%80', 'malformed-percent-encoding'],
  ['an overlong "/"', '%C0%AF', 'malformed-percent-encoding'],
  ['a truncated escape', '%E0%A4%A', 'malformed-percent-encoding'],
  ['a truncated sequence', '%E2%82', 'malformed-percent-encoding'],
  ['a lone %', '%', 'malformed-percent-encoding'],
  ['a non-hex escape', '%zz', 'malformed-percent-encoding'],
];

describe.each([
  ['GET /sagas', '/sagas', ['name', 'status', 'limit', 'cursor', 'other']],
  ['GET /dead-letters', '/dead-letters', ['status', 'limit', 'cursor', 'other']],
])('%s', (_name, path, params) => {
  it('refuses hostile query values and names with a 400 naming the parameter', async () => {
    const cases = QUERY_VALUES.flatMap(([what, encoded, type]) => [
      ...params.map((param) => ({
        what: `${what} in ${param}`,
        query: `${param}=${encoded}`,
        expected: refused(400, type, `query.${param}`),
      })),
      {
        what: `${what} in a name`,
        query: `limit=5&x${encoded}=1`,
        expected: refused(400, type, type === 'unstorable-input' ? `query.${decodeURIComponent(`x${encoded}`)}` : 'query'),
      },
    ]);

    const answers = await refusedBatch(cases, (item) => send('GET', `${path}?${item.query}`));

    expect(answers.map((answer, i) => ({ what: cases[i].what, ...outcome(answer) }))).toEqual(
      cases.map((item) => ({ what: item.what, ...item.expected })),
    );
    for (const [i, answer] of answers.entries()) {
      expectProblemAnswer(answer, 400, cases[i].expected.type);
      expect(answer.body.instance).toBe(`${path}?${cases[i].query}`);
    }
  });

  it('refuses a repeated parameter with a 400 naming it, whatever its values', async () => {
    const queries = ['status=open&status=running', 'cursor=a&cursor=a', 'limit=1&limit=2', 'limit=5&other=1&other=2'];
    const answers = await refusedBatch(queries, (query) => send('GET', `${path}?${query}`));
    expect(answers.map(outcome)).toEqual(
      ['query.status', 'query.cursor', 'query.limit', 'query.other'].map((field) => refused(400, 'repeated-query-parameter', field)),
    );
  });

  it('lets storable control characters and emoji through to the endpoint, which answers for itself', async () => {
    const queries = params.map((param) => `${param}=%01%1F%7F%F0%9F%98%80`);
    const answers = await inBatches(queries, (query) => send('GET', `${path}?${query}`));
    expect(answers.map((answer) => answer.status)).toEqual(queries.map((query) => (query.startsWith('other=') ? 200 : 400)));
    for (const answer of answers.filter((each) => each.status !== 200)) {
      expect(outcome(answer)).toEqual(expect.objectContaining({ problemJson: true }));
      expect(outcome(answer).type).not.toMatch(/unstorable-input|malformed-percent-encoding/);
    }
  });
});

describe('A path segment', () => {
  it('that is not storable, or not percent-encoded UTF-8, is a 400 problem, never a 500 or an HTML page, and changes nothing', async () => {
    const cases = QUERY_VALUES.flatMap(([what, encoded, type]) => {
      const expected = refused(400, type, 'path');
      return [
        { what: `${what}: GET a saga`, method: 'GET', path: `/sagas/${encoded}`, expected },
        { what: `${what}: GET a history`, method: 'GET', path: `/sagas/${encoded}/history`, expected },
        { what: `${what}: GET a dead letter`, method: 'GET', path: `/dead-letters/${encoded}`, expected },
        { what: `${what}: start`, method: 'POST', path: `/sagas/order${encoded}`, expected },
        { what: `${what}: signal`, method: 'POST', path: `/sagas/${running}/signals/Abort${encoded}`, expected },
        { what: `${what}: discard`, method: 'POST', path: `/dead-letters/${openLetter}${encoded}/discard`, expected },
        { what: `${what}: nowhere`, method: 'GET', path: `/no-such-route/${encoded}`, expected },
      ];
    });
    const body = JSON.stringify({ ...orderFor('completes', `path-${randomUUID()}`), reason: 'path test', by: 'tester' });

    const answers = await refusedBatch(cases, (item) => send(item.method, item.path, item.method === 'POST' ? body : undefined, JSON_TYPE));

    expect(answers.map((answer, i) => ({ what: cases[i].what, ...outcome(answer) }))).toEqual(
      cases.map((item) => ({ what: item.what, ...item.expected })),
    );
    for (const [i, answer] of answers.entries()) expectProblemAnswer(answer, 400, cases[i].expected.type);
  });

  it('with storable control characters or emoji reaches the route, which answers for itself', async () => {
    const answers = await inBatches(['%01', '%1F', '%7F', '%F0%9F%98%80', 'a%2Fb'], (encoded) => send('GET', `/sagas/${encoded}`));
    expect(answers.map(outcome)).toEqual(answers.map(() => refused(400, 'malformed-id')));
  });
});

// --- malformed HTTP ----------------------------------------------------------

interface RawAnswer {
  /** The socket error the client saw, if any (ECONNRESET: the server reset the connection). */
  error?: string;
  statusLine: string;
  headers: Record<string, string>;
  body: Buffer;
}

/** Writes `bytes` on a fresh connection and reads until the server closes it. */
function rawExchange(bytes: string | Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let failure: Error | undefined;
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => (failure = error));
    socket.on('close', () => {
      const received = Buffer.concat(chunks);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return reject(new Error(`no HTTP answer (${failure?.message ?? 'closed'}): ${JSON.stringify(received.toString('latin1'))}`));
      const [statusLine, ...lines] = received.subarray(0, end).toString('latin1').split('\r\n');
      const headers = Object.fromEntries(
        lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      resolve({ error: (failure as NodeJS.ErrnoException | undefined)?.code, statusLine, headers, body: received.subarray(end + 4) });
    });
    socket.write(bytes);
  });
}

describe('Malformed HTTP', () => {
  const big = 'a'.repeat(1024 * 1024);
  /** A start request up to the headers that frame its body. */
  const POST = `POST ${ORDERS} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: ${DEV_AUTHORIZATION}\r\n`;

  it.each<[string, number, string]>([
    ['two Content-Length headers', 400, `${POST}Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}`],
    ['Transfer-Encoding with Content-Length', 400, `${POST}Transfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n2\r\n{}\r\n0\r\n\r\n`],
    ['a 1 MB query string', 431, `GET /sagas?name=${big} HTTP/1.1\r\nHost: x\r\n\r\n`],
    ['a 1 MB header', 431, `GET /sagas HTTP/1.1\r\nHost: x\r\nX-Padding: ${big}\r\n\r\n`],
    // Still arriving when the answer goes out: closing at once would reset the connection.
    ['an 8 MB header', 431, `GET /sagas HTTP/1.1\r\nHost: x\r\nX-Padding: ${big.repeat(8)}\r\n\r\n`],
    ['a control character in a header value', 400, `GET /sagas HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0001b\r\n\r\n`],
    ['a space in a header name', 400, `GET /sagas HTTP/1.1\r\nHost: x\r\nBad Header: x\r\n\r\n`],
    ['a bad request line', 400, 'GARBAGE\r\n\r\n'],
    ['a bad chunk size', 400, `${POST}Transfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n`],
  ])('%s is answered with a %i problem+json, and the connection closed', async (_what, status, bytes) => {
    const before = await snapshot();

    const answer = await rawExchange(bytes);

    expect(answer.statusLine).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    // Closed, not reset: a reset can reach the client before it read the answer.
    expect(answer.error).toBeUndefined();
    expect(answer.headers).toEqual(
      expect.objectContaining({
        'content-type': 'application/problem+json',
        'content-length': String(answer.body.length),
        connection: 'close',
      }),
    );
    expect(JSON.parse(answer.body.toString('utf8'))).toEqual(
      expect.objectContaining({
        type: expect.stringMatching(/^https:\/\/baton\.dev\/problems\/\S+$/),
        title: expect.any(String),
        status,
        detail: expect.stringMatching(/\S/),
      }),
    );
    expect(await snapshot()).toEqual(before);
  });
});
