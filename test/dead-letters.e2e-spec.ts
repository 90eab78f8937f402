import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { uuidv7, type DeadLetter, type MessageEnvelope, type Transport } from '@baton/core';
import { BATON_TRANSPORT, type DeadLetterPage, type DeadLetterView, type HistoryEntryView, type SagaView } from '@baton/nest';
import { DeadLetterRepository } from '@baton/postgres';
import { eventually, orderFor } from './support/orders';
import { DEV_AUTHORIZATION, expectProblem, startTestApp, type RunningTestApp } from './support/test-app';

/**
 * Dead letters over REST, on the real host app: an operator lists and
 * inspects what the orchestrator gave up on, replays it through the normal
 * step (inbox, saga lock, engine), or discards it. Once on embedded PGlite,
 * once on the machine's PostgreSQL.
 */

const OPERATOR = 'operator:dev';

describe.each(['pglite', 'postgres'] as const)('Dead letters on %s', (database) => {
  let running: RunningTestApp;
  let deadLetters: DeadLetterRepository;
  const api = () => request(running.server);
  const post = (path: string) => api().post(path).set('Authorization', DEV_AUTHORIZATION);

  beforeAll(async () => {
    // The payment of an unresponsive card never answers within the test: its saga waits.
    running = await startTestApp(database, { ORDER_PAYMENT_TIMEOUT_MS: '600000' });
    deadLetters = running.app.get(DeadLetterRepository);
  });

  afterAll(async () => {
    await running?.close();
  });

  /** An order whose stock is reserved and whose payment is awaited; with the AuthorizePayment command it sent. */
  async function waitingOrder(): Promise<{ saga: SagaView; authorizePayment: string }> {
    const started = await post('/sagas/order-fulfillment').send(orderFor('payment-times-out', `dl-${randomUUID()}`)).expect(202);
    const sagaId: string = started.body.id;
    const history = await eventually(async () => {
      const items = await historyOf(sagaId);
      return items.some((entry) => entry.event === 'StockReserved') ? items : undefined;
    }, 60_000, 'the stock to be reserved');
    const authorizePayment = history.flatMap((entry) => entry.commands).find((command) => command.type === 'AuthorizePayment')!;
    return { saga: (await api().get(`/sagas/${sagaId}`).expect(200)).body, authorizePayment: authorizePayment.messageId };
  }

  function completed(sagaId: string): Promise<SagaView> {
    return eventually(async () => {
      const saga: SagaView = (await api().get(`/sagas/${sagaId}`).expect(200)).body;
      return saga.status === 'completed' ? saga : undefined;
    }, 60_000, `saga ${sagaId} to complete`);
  }

  async function historyOf(sagaId: string): Promise<HistoryEntryView[]> {
    return (await api().get(`/sagas/${sagaId}/history`).expect(200)).body.items;
  }

  function paymentAuthorized(sagaId: string, causationId: string, payload: unknown = { authorizationId: 'auth-replayed' }): MessageEnvelope {
    return {
      messageId: uuidv7(),
      type: 'PaymentAuthorized',
      version: 1,
      sagaId,
      sagaName: 'order-fulfillment',
      correlationId: sagaId,
      causationId,
      sentAt: new Date().toISOString(),
      payload,
    };
  }

  /** Records a dead letter as the reply consumer does, and returns its id. */
  async function deadLetter(letter: Omit<DeadLetter, 'topic'>, messageId: string): Promise<string> {
    await deadLetters.record('orchestrator', { topic: 'saga.replies', ...letter });
    return idOf(messageId);
  }

  async function idOf(messageId: string): Promise<string> {
    const open = await deadLetters.page({ status: 'open', limit: 500 });
    return open.find((letter) => letter.messageId === messageId)!.id;
  }

  /** A message that could not even be decoded (its value is not UTF-8): only its raw bytes are kept. */
  async function undecodableLetter(messageId = randomUUID()): Promise<string> {
    const raw = {
      key: Buffer.from('k-1'),
      value: Buffer.from([0x7b, 0x00, 0xff, 0xfe, 0x7d]),
      headers: [
        { name: 'message-id', value: Buffer.from(messageId) },
        { name: 'message-type', value: Buffer.from('Payment\u0000Authorized') },
        { name: 'message-type', value: Buffer.from('PaymentAuthorized') },
        { name: 'empty', value: null },
      ],
    };
    return deadLetter({ reason: 'the value is not valid UTF-8 (at byte 2 of 5: ff fe 7d) \u0000', attempts: 1, raw }, messageId);
  }

  const getLetter = async (id: string): Promise<DeadLetterView> => (await api().get(`/dead-letters/${id}`).expect(200)).body;

  describe('Listing and inspecting', () => {
    it('lists open dead letters newest first without their message, a page at a time until nextCursor is null', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const envelope = paymentAuthorized(randomUUID(), randomUUID());
        ids.push(await deadLetter({ reason: `failure ${i}`, attempts: 5, envelope }, envelope.messageId));
      }

      const seen: DeadLetterView[] = [];
      let cursor: string | null = null;
      do {
        const { body }: { body: DeadLetterPage } = await api()
          .get('/dead-letters')
          .query({ limit: 2, ...(cursor ? { cursor } : {}) })
          .expect(200);
        expect(body.items.length).toBeLessThanOrEqual(2);
        seen.push(...body.items);
        cursor = body.nextCursor;
      } while (cursor !== null);

      const listedIds = seen.map((letter) => letter.id);
      expect(listedIds).toEqual([...listedIds].sort((a, b) => Number(b) - Number(a)));
      expect(listedIds.filter((id) => ids.includes(id))).toEqual([...ids].reverse());
      expect(new Set(seen.map((letter) => letter.status))).toEqual(new Set(['open']));
      const newest = seen.find((letter) => letter.id === ids[2])!;
      expect(newest).toEqual({
        id: ids[2],
        consumer: 'orchestrator',
        topic: 'saga.replies',
        messageId: expect.any(String),
        messageType: 'PaymentAuthorized',
        sagaId: expect.any(String),
        reason: 'failure 2',
        attempts: 5,
        firstFailedAt: expect.any(String),
        lastFailedAt: expect.any(String),
        status: 'open',
      });
    });

    it('shows one dead letter with its envelope: headers and payload', async () => {
      const envelope = paymentAuthorized(randomUUID(), randomUUID(), { authorizationId: 'auth-shown' });
      const id = await deadLetter({ reason: 'saga not found', attempts: 1, envelope }, envelope.messageId);

      const letter = await getLetter(id);

      expect(letter).toEqual(expect.objectContaining({ id, status: 'open', reason: 'saga not found', envelope }));
      expect(letter.raw).toBeUndefined();
    });

    it('shows the raw message of a dead letter that could not be decoded, byte for byte, and as text where it is UTF-8', async () => {
      const messageId = randomUUID();
      const id = await undecodableLetter(messageId);

      const letter = await getLetter(id);

      expect(letter.envelope).toBeUndefined();
      expect(letter.messageType).toBe('PaymentAuthorized');
      // Text Baton writes itself is made storable: U+0000 becomes U+FFFD.
      expect(letter.reason).toBe('the value is not valid UTF-8 (at byte 2 of 5: ff fe 7d) \ufffd');
      expect(letter.raw).toEqual({
        key: { base64: Buffer.from('k-1').toString('base64'), text: 'k-1' },
        value: { base64: Buffer.from([0x7b, 0x00, 0xff, 0xfe, 0x7d]).toString('base64') },
        headers: [
          { name: 'message-id', value: { base64: Buffer.from(messageId).toString('base64'), text: messageId } },
          { name: 'message-type', value: { base64: Buffer.from('Payment\u0000Authorized').toString('base64'), text: 'Payment\u0000Authorized' } },
          { name: 'message-type', value: { base64: Buffer.from('PaymentAuthorized').toString('base64'), text: 'PaymentAuthorized' } },
          { name: 'empty', value: null },
        ],
      });
    });
  });

  describe('Replaying', () => {
    it('feeds a dead-lettered reply to its waiting saga, which moves on, and marks the letter replayed by the operator', async () => {
      const { saga, authorizePayment } = await waitingOrder();
      const envelope = paymentAuthorized(saga.id, authorizePayment);
      // As after five failed attempts while the database was away.
      const id = await deadLetter({ reason: 'Connection terminated unexpectedly', attempts: 5, envelope }, envelope.messageId);

      const { body } = await post(`/dead-letters/${id}/replay`).expect(200);

      expect(body.outcome).toBe('applied');
      expect(body.deadLetter).toEqual(
        expect.objectContaining({ id, status: 'replayed', replayed: { at: expect.any(String), by: OPERATOR, outcome: 'applied' } }),
      );
      expect((await completed(saga.id)).output).toEqual(expect.objectContaining({ authorizationId: 'auth-replayed' }));
      expect((await historyOf(saga.id)).find((entry) => entry.messageId === envelope.messageId)).toEqual(
        expect.objectContaining({ kind: 'message', event: 'PaymentAuthorized', actor: OPERATOR }),
      );
      const replayed = (await api().get('/dead-letters').query({ status: 'replayed', limit: 500 }).expect(200)).body.items;
      expect(replayed.map((letter: DeadLetterView) => letter.id)).toContain(id);
    });

    it('changes nothing when the message had already been applied: the inbox answers duplicate', async () => {
      const { saga, authorizePayment } = await waitingOrder();
      const envelope = paymentAuthorized(saga.id, authorizePayment);
      await running.app.get<Transport>(BATON_TRANSPORT).publish('saga.replies', envelope);
      const before = await completed(saga.id);
      const historyBefore = await historyOf(saga.id);
      // The same message, dead-lettered by a consumer that did not know it had gone through.
      const id = await deadLetter({ reason: 'timed out waiting for the commit', attempts: 5, envelope }, envelope.messageId);

      const { body } = await post(`/dead-letters/${id}/replay`).expect(200);

      expect(body.outcome).toBe('duplicate');
      expect(body.deadLetter.replayed).toEqual(expect.objectContaining({ outcome: 'duplicate', by: OPERATOR }));
      const after: SagaView = (await api().get(`/sagas/${saga.id}`).expect(200)).body;
      expect(after.version).toBe(before.version);
      expect(await historyOf(saga.id)).toEqual(historyBefore);
      const again = await post(`/dead-letters/${id}/replay`);
      expectProblem(again, 409, 'dead-letter-not-open');
      expect(again.body.detail).toMatch(/already replayed by operator:dev/);
    });

    it('keeps a letter open, with one more attempt and the new reason, when its message fails again', async () => {
      const { saga, authorizePayment } = await waitingOrder();
      const envelope = paymentAuthorized(saga.id, authorizePayment, { authorizationId: 42 });
      // The reply consumer dead-letters a payload that fails its schema.
      await running.app.get<Transport>(BATON_TRANSPORT).publish('saga.replies', envelope);
      const id = await idOf(envelope.messageId);
      const first = await getLetter(id);

      const response = await post(`/dead-letters/${id}/replay`);

      expectProblem(response, 409, 'replay-failed');
      expect(response.body.reason).toMatch(/authorizationId/);
      expect(response.body.detail).toMatch(/stays open/);
      const after = await getLetter(id);
      expect(after).toEqual(expect.objectContaining({ status: 'open', attempts: first.attempts + 1, reason: response.body.reason }));
      expect(Date.parse(after.lastFailedAt)).toBeGreaterThanOrEqual(Date.parse(first.lastFailedAt));
      expect((await api().get(`/sagas/${saga.id}`).expect(200)).body.version).toBe(saga.version);
    });

    it('refuses to replay a letter whose message could not be decoded, and keeps it open', async () => {
      const id = await undecodableLetter();

      const response = await post(`/dead-letters/${id}/replay`);

      expectProblem(response, 409, 'dead-letter-not-replayable');
      expect(response.body.detail).toMatch(/cannot be replayed: .*could not be decoded/);
      expect((await getLetter(id)).status).toBe('open');
    });
  });

  describe('Discarding', () => {
    it('marks an open letter discarded with who, when and why, and lists it as discarded', async () => {
      const envelope = paymentAuthorized(randomUUID(), randomUUID());
      const id = await deadLetter({ reason: 'saga not found', attempts: 1, envelope }, envelope.messageId);

      const { body } = await post(`/dead-letters/${id}/discard`).send({ reason: 'test order, never existed' }).expect(200);

      expect(body).toEqual(
        expect.objectContaining({
          id,
          status: 'discarded',
          discarded: { at: expect.any(String), by: OPERATOR, reason: 'test order, never existed' },
        }),
      );
      const open = (await api().get('/dead-letters').query({ limit: 500 }).expect(200)).body.items;
      expect(open.map((letter: DeadLetterView) => letter.id)).not.toContain(id);
      const discarded = (await api().get('/dead-letters').query({ status: 'discarded', limit: 500 }).expect(200)).body.items;
      expect(discarded.map((letter: DeadLetterView) => letter.id)).toContain(id);
    });

    it('discards without a reason when no body is sent', async () => {
      const id = await undecodableLetter();

      const { body } = await post(`/dead-letters/${id}/discard`).expect(200);

      expect(body.discarded).toEqual({ at: expect.any(String), by: OPERATOR, reason: null });
    });

    it('counts only open letters as the dead-letter depth', async () => {
      const before = await deadLetters.countOpen();
      const id = await undecodableLetter();
      expect(await deadLetters.countOpen()).toBe(before + 1);

      await post(`/dead-letters/${id}/discard`).expect(200);

      expect(await deadLetters.countOpen()).toBe(before);
    });
  });

  describe('Refused requests', () => {
    it.each(['replay', 'discard'])('refuses to %s a letter that was already discarded, changing nothing', async (action) => {
      const id = await undecodableLetter();
      await post(`/dead-letters/${id}/discard`).send({ reason: 'first' }).expect(200);
      const before = await getLetter(id);

      const response = await post(`/dead-letters/${id}/${action}`);

      expectProblem(response, 409, 'dead-letter-not-open');
      expect(response.body.detail).toMatch(/already discarded by operator:dev/);
      expect(await getLetter(id)).toEqual(before);
    });

    it.each<[string, 'get' | 'post', string, number, string]>([
      ['a dead letter nobody has', 'get', '/dead-letters/987654321', 404, 'dead-letter-not-found'],
      ['a replay of a dead letter nobody has', 'post', '/dead-letters/987654321/replay', 404, 'dead-letter-not-found'],
      ['a discard of a dead letter nobody has', 'post', '/dead-letters/987654321/discard', 404, 'dead-letter-not-found'],
      ['a malformed id', 'get', '/dead-letters/abc', 400, 'malformed-id'],
      ['id 0', 'get', '/dead-letters/0', 400, 'malformed-id'],
      ['an id beyond bigint', 'post', '/dead-letters/99999999999999999999/replay', 400, 'malformed-id'],
      ['a list by a status letters do not have', 'get', '/dead-letters?status=lost', 400, 'invalid-status'],
      ['a list with limit 0', 'get', '/dead-letters?limit=0', 400, 'invalid-limit'],
      ['a list from a cursor this API never returned', 'get', '/dead-letters?cursor=garbage', 400, 'invalid-cursor'],
    ])('answers %s (%s %s) with a %i %s problem', async (_what, method, path, status, type) => {
      expectProblem(await (method === 'get' ? api().get(path) : post(path)), status, type);
    });

    it('refuses a discard reason that is not a string', async () => {
      const id = await undecodableLetter();

      expectProblem(await post(`/dead-letters/${id}/discard`).send({ reason: 42 }), 400, 'invalid-discard-reason');
      expect((await getLetter(id)).status).toBe('open');
    });
  });
});
