import { defaultTopicNames, type MessageEnvelope } from '@baton/core';
import {
  CommandRefusedError,
  ParticipantWorker,
  TransientCommandError,
  handleCommand,
  reply,
} from '@baton/participant';
import { sql } from '../libs/postgres/src/sql';
import { ReserveStock, StockReserved } from '@example/order-fulfillment-contracts';
import type { DataSource } from 'typeorm';
import { orderCommand } from './support/envelopes';
import { eventually } from './support/orders';
import { participantDatabase } from './support/participant-database';
import { RecordingTransport } from './support/recording-transport';
import type { TestSchema } from './support/test-database';

/**
 * A command a participant has recorded is answered again when it comes
 * again (a redelivery, or the saga's retry under the same message id): with
 * the reply recorded for it, the same envelope under the same message id, so
 * a retry recovers a reply that was lost or late. Against the real
 * PostgreSQL; replies are published through a transport that keeps them.
 */

const topics = defaultTopicNames();
const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };
let schema: TestSchema;
let dataSource: DataSource;
/** Orders whose reservation fails transiently while they are in here. */
const flaky = new Set<string>();
/** Every run of the handler, committed or not, by order id. */
const runs: string[] = [];

function participant(): { worker: ParticipantWorker; published: RecordingTransport['published'] } {
  const transport = new RecordingTransport();
  const worker = new ParticipantWorker(dataSource, transport, {
    name: 'inventory',
    topics,
    logger: quiet,
    handlers: [
      handleCommand(ReserveStock, async ({ orderId }, { tx, envelope }) => {
        runs.push(orderId);
        await sql(tx, `INSERT INTO reservations (order_id, command_id) VALUES ($1, $2)`, [orderId, envelope.messageId]);
        if (flaky.has(orderId)) throw new TransientCommandError('the warehouse system did not answer');
        // "refused-" orders: the participant will not, for good, and has no refusal reply of its own.
        if (orderId.startsWith('refused-')) throw new CommandRefusedError(`order ${orderId} is blocked`);
        // "silent-" orders: recorded, answered with nothing (as a fire-and-forget command is).
        return orderId.startsWith('silent-') ? undefined : reply(StockReserved, { reservationId: `res-${orderId}` });
      }),
    ],
  });
  return { worker, published: transport.published };
}

let running: ParticipantWorker[] = [];

/** A participant whose relay publishes its replies. */
function publishing() {
  const started = participant();
  started.worker.start();
  running.push(started.worker);
  return started;
}

const reserve = (orderId: string, sagaId?: string) => orderCommand(ReserveStock, { orderId, items: [{ sku: 'BOOK-1', quantity: 1 }] }, sagaId);

/** The reply rows written for the command, oldest first. */
async function repliesTo(command: MessageEnvelope): Promise<Array<{ envelope: MessageEnvelope; published: boolean }>> {
  return dataSource.query(
    `SELECT envelope, published_at IS NOT NULL AS published FROM participant_outbox WHERE envelope->>'causationId' = $1 ORDER BY id`,
    [command.messageId],
  );
}

async function allPublished(command: MessageEnvelope, count: number): Promise<void> {
  await eventually(async () => {
    const replies = await repliesTo(command);
    return replies.length === count && replies.every((r) => r.published) ? true : undefined;
  }, 30_000, `${count} published replies to ${command.messageId}`);
}

async function reservationsOf(orderId: string): Promise<number> {
  const [{ n }] = await dataSource.query(`SELECT count(*)::int AS n FROM reservations WHERE order_id = $1`, [orderId]);
  return n;
}

beforeAll(async () => {
  ({ schema, dataSource } = await participantDatabase('participant_replies'));
});

afterEach(async () => {
  await Promise.all(running.map((worker) => worker.stop()));
  running = [];
});

afterAll(async () => {
  await dataSource?.destroy();
  await schema.drop();
});

describe('A command delivered again after its batch committed', () => {
  it('is answered with the same reply envelope, same message id and payload, once per redelivery, and applied once', async () => {
    const { worker, published } = publishing();
    const command = reserve('again-1');
    expect(await worker.handle(command)).toBe('handled');
    await allPublished(command, 1);
    const [first] = await repliesTo(command);

    expect(await worker.handle({ ...command })).toBe('duplicate');
    // Written in the redelivery's own transaction, then published.
    expect(await repliesTo(command)).toHaveLength(2);
    await allPublished(command, 2);
    expect(await worker.handle({ ...command })).toBe('duplicate');
    await allPublished(command, 3);

    const sent = published.filter(({ envelope }) => envelope.causationId === command.messageId);
    expect(sent).toHaveLength(3);
    sent.forEach(({ topic, envelope }) => {
      expect(topic).toBe(topics.replies);
      expect(envelope).toEqual(first.envelope);
    });
    expect(first.envelope).toMatchObject({ type: 'StockReserved', payload: { reservationId: 'res-again-1' } });
    expect(await reservationsOf('again-1')).toBe(1);
  });

  it('gets nothing when it was recorded without a reply', async () => {
    const { worker } = publishing();
    const command = reserve('silent-1');
    expect(await worker.handle(command)).toBe('handled');
    expect(await worker.handle({ ...command })).toBe('duplicate');
    expect(await repliesTo(command)).toEqual([]);
    expect(await reservationsOf('silent-1')).toBe(1);
  });

  it('gets no copy while its reply is still unpublished: that one goes out anyway', async () => {
    // Not started: its relay publishes nothing.
    const { worker } = participant();
    const command = reserve('unpublished-1');
    expect(await worker.handle(command)).toBe('handled');
    expect(await worker.handle({ ...command })).toBe('duplicate');
    expect(await repliesTo(command)).toEqual([expect.objectContaining({ published: false })]);
  });

  it('is answered with the reply of the run that was recorded, never with the CommandFailed of a transient failure before it', async () => {
    const { worker } = publishing();
    const command = reserve('transient-1');
    flaky.add('transient-1');
    expect(await worker.handle(command)).toBe('failed-transiently');
    flaky.delete('transient-1');
    // The retry (same message id) runs the handler again.
    expect(await worker.handle({ ...command })).toBe('handled');
    await allPublished(command, 2);
    expect(await worker.handle({ ...command })).toBe('duplicate');
    await allPublished(command, 3);

    const [failed, recorded, again] = (await repliesTo(command)).map((r) => r.envelope);
    expect(failed).toMatchObject({ type: 'CommandFailed', payload: { transient: true } });
    expect(recorded).toMatchObject({ type: 'StockReserved' });
    expect(again).toEqual(recorded);
    expect(await reservationsOf('transient-1')).toBe(1);
  });

  it('twice in one batch is answered once', async () => {
    const { worker } = publishing();
    const command = reserve('twice-1');
    expect(await worker.handle(command)).toBe('handled');
    await allPublished(command, 1);
    expect(await Promise.all([worker.handle({ ...command }), worker.handle({ ...command })])).toEqual(['duplicate', 'duplicate']);
    await allPublished(command, 2);
  });

  it("is answered in its saga's order: the copy before the reply to a later command of the saga in its batch", async () => {
    const { worker, published } = publishing();
    const earlier = reserve('order-1');
    expect(await worker.handle(earlier)).toBe('handled');
    await allPublished(earlier, 1);
    const later = reserve('order-2', earlier.sagaId);
    expect(await Promise.all([worker.handle({ ...earlier }), worker.handle(later)])).toEqual(['duplicate', 'handled']);
    await allPublished(earlier, 2);
    await allPublished(later, 1);
    const sent = published.filter(({ envelope }) => envelope.sagaId === earlier.sagaId).map(({ envelope }) => envelope.causationId);
    expect(sent).toEqual([earlier.messageId, earlier.messageId, later.messageId]);
  });
});

describe('A second copy of a command in the batch that records it', () => {
  it('gets no copy of the reply: the batch sends it once', async () => {
    const { worker } = participant();
    const command = reserve('copies-1');
    expect(await Promise.all([worker.handle(command), worker.handle({ ...command })])).toEqual(['handled', 'duplicate']);
    expect(await repliesTo(command)).toHaveLength(1);
    expect(await reservationsOf('copies-1')).toBe(1);
  });
});

describe('A command its handler refuses (CommandRefusedError)', () => {
  it('is answered CommandFailed (not transient) with the reason, its work rolled back, and recorded with that reply', async () => {
    const { worker } = publishing();
    const command = reserve('refused-1');
    expect(await worker.handle(command)).toBe('refused');
    await allPublished(command, 1);
    const [refusal] = await repliesTo(command);
    expect(refusal.envelope).toMatchObject({
      type: 'CommandFailed',
      causationId: command.messageId,
      payload: { command: 'ReserveStock', reason: 'order refused-1 is blocked', transient: false },
    });
    expect(await reservationsOf('refused-1')).toBe(0);
    const [recorded] = await dataSource.query(`SELECT reply_id FROM participant_inbox WHERE message_id = $1`, [command.messageId]);
    expect(recorded.reply_id).toBe(refusal.envelope.messageId);
  });

  it('comes again: answered with the same refusal, same message id, without running the handler', async () => {
    const { worker, published } = publishing();
    const command = reserve('refused-2');
    expect(await worker.handle(command)).toBe('refused');
    await allPublished(command, 1);
    const ran = runs.filter((orderId) => orderId === 'refused-2').length;
    expect(await worker.handle({ ...command })).toBe('duplicate');
    await allPublished(command, 2);
    expect(runs.filter((orderId) => orderId === 'refused-2')).toHaveLength(ran);
    const sent = published.filter(({ envelope }) => envelope.causationId === command.messageId).map(({ envelope }) => envelope);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toEqual(sent[0]);
  });

  it('costs the other commands of its batch nothing but a second try', async () => {
    const { worker } = participant();
    const commands = ['batch-ok-1', 'refused-3', 'batch-ok-2'].map((orderId) => reserve(orderId));
    expect(await Promise.all(commands.map((command) => worker.handle(command)))).toEqual(['handled', 'refused', 'handled']);
    expect(await reservationsOf('batch-ok-1')).toBe(1);
    expect(await reservationsOf('batch-ok-2')).toBe(1);
    expect(await reservationsOf('refused-3')).toBe(0);
  });
});
