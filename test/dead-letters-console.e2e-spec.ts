import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { uuidv7, type MessageEnvelope } from '@baton/core';
import type { DeadLetterFacets, DeadLetterPage, DeadLetterView, HistoryEntryView } from '@baton/nest';
import { DeadLetterRepository } from '@baton/postgres';
import { eventually, orderFor } from './support/orders';
import { expectProblem, startTestApp, type RunningTestApp } from './support/test-app';

/**
 * What a console does with dead letters, on the real host app and
 * PostgreSQL: narrow the list by consumer, topic and reason, fill its filter
 * choices from the facets, and replay or discard many letters at once, one
 * result per letter.
 */

const OPERATOR_KEY = 'console-operator-key';
const READER_KEY = 'console-reader-key';
const operator = { Authorization: `Bearer ${OPERATOR_KEY}` };
const reader = { Authorization: `Bearer ${READER_KEY}` };

let running: RunningTestApp;
let deadLetters: DeadLetterRepository;
const api = () => request(running.server);

beforeAll(async () => {
  // The payment of an unresponsive card never answers within the test: its saga waits for a reply to replay.
  running = await startTestApp('postgres', {
    ORDER_PAYMENT_TIMEOUT_MS: '600000',
    API_KEYS: `ops:${OPERATOR_KEY}:operator,dash:${READER_KEY}:reader`,
  });
  deadLetters = running.app.get(DeadLetterRepository);
});

afterAll(async () => {
  await running?.close();
});

function paymentAuthorized(sagaId: string, causationId: string): MessageEnvelope {
  return {
    messageId: uuidv7(),
    type: 'PaymentAuthorized',
    version: 1,
    sagaId,
    sagaName: 'order-fulfillment',
    correlationId: sagaId,
    causationId,
    sentAt: new Date().toISOString(),
    payload: { authorizationId: 'auth-batch' },
  };
}

/** Records a dead letter as a consumer does and returns its id. */
async function letter(consumer: string, topic: string, reason: string, envelope = paymentAuthorized(randomUUID(), randomUUID())): Promise<string> {
  await deadLetters.record(consumer, { topic, reason, attempts: 1, envelope });
  const open = await deadLetters.page({ status: 'open', limit: 500 });
  return open.find((row) => row.messageId === envelope.messageId)!.id;
}

async function list(query: Record<string, string>): Promise<DeadLetterView[]> {
  const items: DeadLetterView[] = [];
  let cursor: string | null = null;
  do {
    const { body }: { body: DeadLetterPage } = await api()
      .get('/dead-letters')
      .query({ limit: 2, ...query, ...(cursor ? { cursor } : {}) })
      .expect(200);
    items.push(...body.items);
    cursor = body.nextCursor;
  } while (cursor !== null);
  return items;
}

const ids = (letters: DeadLetterView[]) => letters.map((l) => l.id);
const statusOf = async (id: string) => (await api().get(`/dead-letters/${id}`).expect(200)).body.status as string;

describe('Filtering the list', () => {
  const run = randomUUID().slice(0, 8);
  const seeded: Record<string, string> = {};

  beforeAll(async () => {
    seeded.hostReplies = await letter(`orders-host-${run}`, `baton.replies-${run}`, 'Saga not found: 0192');
    seeded.hostEvents = await letter(`orders-host-${run}`, `baton.events-${run}`, 'payload fails its SCHEMA at /amount');
    seeded.inventory = await letter(`participant:inventory-${run}`, `baton.replies-${run}`, 'schema: 100% of items refused');
    seeded.literal = await letter(`participant:inventory-${run}`, `baton.events-${run}`, 'stock_count locked');
    seeded.lookalike = await letter(`participant:inventory-${run}`, `baton.events-${run}`, 'stockXcount locked');
    await api().post(`/dead-letters/${seeded.hostEvents}/discard`).set(operator).send({ reason: 'seen' }).expect(200);
  });

  it('narrows to one consumer, exactly, newest first, across pages', async () => {
    expect(ids(await list({ consumer: `participant:inventory-${run}` }))).toEqual([seeded.lookalike, seeded.literal, seeded.inventory]);
    expect(await list({ consumer: `participant:inventory-${run.slice(0, 4)}` })).toEqual([]);
  });

  it('narrows to one topic, exactly, within the status asked for', async () => {
    expect(ids(await list({ topic: `baton.replies-${run}` }))).toEqual([seeded.inventory, seeded.hostReplies]);
    expect(ids(await list({ topic: `baton.events-${run}`, status: 'discarded' }))).toEqual([seeded.hostEvents]);
  });

  it('finds a reason by a substring in any case, with % and _ matching only themselves', async () => {
    const inRun = (letters: DeadLetterView[]) => ids(letters).filter((id) => Object.values(seeded).includes(id));
    expect(inRun(await list({ reason: 'SAGA NOT' }))).toEqual([seeded.hostReplies]);
    expect(inRun(await list({ reason: 'schema' }))).toEqual([seeded.inventory]);
    expect(inRun(await list({ reason: '100%' }))).toEqual([seeded.inventory]);
    expect(inRun(await list({ reason: 'stock_count' }))).toEqual([seeded.literal]);
    expect(inRun(await list({ reason: '%' }))).toEqual([seeded.inventory]);
  });

  it('combines the filters', async () => {
    const letters = await list({ consumer: `participant:inventory-${run}`, topic: `baton.events-${run}`, reason: 'LOCKED' });
    expect(ids(letters)).toEqual([seeded.lookalike, seeded.literal]);
    expect(letters.every((l) => l.consumer === `participant:inventory-${run}` && l.topic === `baton.events-${run}`)).toBe(true);
  });

  it.each([
    ['consumer', ''],
    ['topic', 'x'.repeat(501)],
    ['reason', ''],
  ])('answers a bad %s with a 400 naming it', async (name, value) => {
    const response = await api().get('/dead-letters').query({ [name]: value });
    expectProblem(response, 400, 'invalid-filter');
    expect(response.body.detail).toMatch(new RegExp(`^${name} must`));
    expect(response.body.errors).toEqual([{ field: name, message: expect.any(String) }]);
  });

  it('answers a filter given twice with a 400 naming it', async () => {
    const response = await api().get('/dead-letters?topic=a&topic=b');
    expectProblem(response, 400, 'repeated-query-parameter');
    expect(response.body.errors).toEqual([{ field: 'query.topic', message: expect.any(String) }]);
  });

  it('lists the distinct consumers and topics of a status, sorted, as filter choices', async () => {
    const open: DeadLetterFacets = (await api().get('/dead-letters/facets').expect(200)).body;
    expect(Object.keys(open).sort()).toEqual(['consumers', 'topics']);
    expect(open.consumers).toEqual([...open.consumers].sort());
    expect(open.topics).toEqual([...open.topics].sort());
    expect(open.consumers.filter((c) => c.endsWith(run))).toEqual([`orders-host-${run}`, `participant:inventory-${run}`]);
    expect(open.topics.filter((t) => t.endsWith(run))).toEqual([`baton.events-${run}`, `baton.replies-${run}`]);

    const discarded: DeadLetterFacets = (await api().get('/dead-letters/facets').query({ status: 'discarded' }).expect(200)).body;
    expect(discarded.consumers.filter((c) => c.endsWith(run))).toEqual([`orders-host-${run}`]);
    expect(discarded.topics.filter((t) => t.endsWith(run))).toEqual([`baton.events-${run}`]);

    expectProblem(await api().get('/dead-letters/facets').query({ status: 'closed' }), 400, 'invalid-status');
  });
});

describe('Batch actions', () => {
  /** A saga waiting for its payment, and a dead-lettered PaymentAuthorized that answers it. */
  async function replayableLetter(): Promise<{ sagaId: string; id: string }> {
    const started = await api().post('/sagas/order-fulfillment').set(operator).send(orderFor('payment-times-out', `dlb-${randomUUID()}`)).expect(202);
    const sagaId: string = started.body.id;
    const history: HistoryEntryView[] = await eventually(async () => {
      const items: HistoryEntryView[] = (await api().get(`/sagas/${sagaId}/history`).expect(200)).body.items;
      return items.some((entry) => entry.event === 'StockReserved') ? items : undefined;
    }, 60_000, 'the stock to be reserved');
    const authorize = history.flatMap((entry) => entry.commands).find((command) => command.type === 'AuthorizePayment')!;
    return { sagaId, id: await letter('orchestrator', 'saga.replies', 'saga was restoring', paymentAuthorized(sagaId, authorize.messageId)) };
  }

  it('replays each letter as the single replay does, one result per id in the order given', async () => {
    const good = await replayableLetter();
    const discarded = await letter('orchestrator', 'saga.replies', 'to be discarded');
    await api().post(`/dead-letters/${discarded}/discard`).set(operator).expect(200);
    const failsAgain = await letter('orchestrator', 'saga.replies', 'saga not found');
    const otherConsumer = await letter('participant:inventory', 'inventory.commands', 'bad command');
    const missing = '999999999';

    const { body } = await api()
      .post('/dead-letters/batch/replay')
      .set(operator)
      .send({ ids: [good.id, discarded, missing, failsAgain, otherConsumer] })
      .expect(200);

    expect(body).toEqual({
      results: [
        { id: good.id, outcome: 'done', detail: 'applied' },
        { id: discarded, outcome: 'skipped', detail: 'not open: discarded' },
        { id: missing, outcome: 'skipped', detail: 'not found' },
        { id: failsAgain, outcome: 'failed', detail: expect.stringMatching(/^failed again: No saga instance has id/) },
        { id: otherConsumer, outcome: 'skipped', detail: expect.stringMatching(/cannot be replayed: .*participant:inventory/) },
      ],
    });
    const replayed: DeadLetterView = (await api().get(`/dead-letters/${good.id}`).expect(200)).body;
    expect(replayed).toEqual(expect.objectContaining({ status: 'replayed', replayed: expect.objectContaining({ by: 'operator:ops', outcome: 'applied' }) }));
    const history: HistoryEntryView[] = (await api().get(`/sagas/${good.sagaId}/history`).expect(200)).body.items;
    expect(history.filter((entry) => entry.event === 'PaymentAuthorized')).toHaveLength(1);
    expect(await statusOf(failsAgain)).toBe('open');
    expect(await statusOf(otherConsumer)).toBe('open');

    // Replayed again: the letter is no longer open.
    const again = await api().post('/dead-letters/batch/replay').set(operator).send({ ids: [good.id] }).expect(200);
    expect(again.body.results).toEqual([{ id: good.id, outcome: 'skipped', detail: 'not open: replayed' }]);
  });

  it('discards each letter with the reason, skipping those not found or not open', async () => {
    const first = await letter('orchestrator', 'saga.replies', 'one');
    const second = await letter('orchestrator', 'saga.replies', 'two');
    const already = await letter('orchestrator', 'saga.replies', 'three');
    await api().post(`/dead-letters/${already}/discard`).set(operator).expect(200);

    const { body } = await api()
      .post('/dead-letters/batch/discard')
      .set(operator)
      .send({ ids: [second, '424242424', already, first], reason: 'test orders' })
      .expect(200);

    expect(body.results).toEqual([
      { id: second, outcome: 'done', detail: 'discarded' },
      { id: '424242424', outcome: 'skipped', detail: 'not found' },
      { id: already, outcome: 'skipped', detail: 'not open: discarded' },
      { id: first, outcome: 'done', detail: 'discarded' },
    ]);
    for (const id of [first, second]) {
      const view: DeadLetterView = (await api().get(`/dead-letters/${id}`).expect(200)).body;
      expect(view.discarded).toEqual({ at: expect.any(String), by: 'operator:ops', reason: 'test orders' });
    }
  });

  it.each<[string, string, unknown]>([
    ['replay', 'no ids', {}],
    ['replay', 'an empty list', { ids: [] }],
    ['replay', 'more than 100 ids', { ids: Array.from({ length: 101 }, (_, i) => String(i + 1)) }],
    ['replay', 'an id that is a number', { ids: [12] }],
    ['replay', 'an id that is not a whole number', { ids: ['12a'] }],
    ['discard', 'an id given twice', { ids: ['7', '7'] }],
    ['discard', 'an empty reason', { ids: ['7'], reason: '' }],
    ['discard', 'a reason over 1000 characters', { ids: ['7'], reason: 'x'.repeat(1001) }],
    ['discard', 'a body that is a list', ['7']],
  ])('answers a %s with %s with a 400 and changes nothing', async (action, _what, body) => {
    const id = await letter('orchestrator', 'saga.replies', `untouched ${action}`);
    const withId = body && typeof body === 'object' && !Array.isArray(body) && Array.isArray((body as { ids?: unknown }).ids)
      ? { ...body, ids: [id, ...((body as { ids: unknown[] }).ids)] }
      : body;
    // An empty list stays empty: it is what is refused.
    const sent = (body as { ids?: unknown[] }).ids?.length === 0 ? body : withId;

    const response = await api().post(`/dead-letters/batch/${action}`).set(operator).send(sent as object);

    expectProblem(response, 400, action === 'discard' && /reason/.test(_what) ? 'invalid-discard-reason' : 'invalid-body');
    expect(await statusOf(id)).toBe('open');
  });

  it.each(['replay', 'discard'])('refuses a reader key on batch %s with a 403 and changes nothing', async (action) => {
    const id = await letter('orchestrator', 'saga.replies', 'reader tried');
    const response = await api().post(`/dead-letters/batch/${action}`).set(reader).send({ ids: [id] });
    expectProblem(response, 403, 'forbidden');
    expect(await statusOf(id)).toBe('open');
  });
});
