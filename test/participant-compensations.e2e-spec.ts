import { defaultTopicNames, uuidv7, type BatonLogger, type MessageEnvelope } from '@baton/core';
import {
  CommandRefusedError,
  ParticipantWorker,
  TransientCommandError,
  handleCommand,
  reply,
  type CompensatedCommand,
} from '@baton/participant';
import { sql } from '../libs/postgres/src/sql';
import { ReleaseStock, ReserveStock, StockReleased, StockReserved } from '@example/order-fulfillment-contracts';
import type { DataSource } from 'typeorm';
import { orderCommand } from './support/envelopes';
import { eventually } from './support/orders';
import { participantDatabase } from './support/participant-database';
import { RecordingTransport } from './support/recording-transport';
import type { TestSchema } from './support/test-database';

/**
 * A compensation names the command it undoes (`compensates`). The
 * participant records that id with it, so the command, if it comes later,
 * does nothing, and tells the compensation's handler whether the command had
 * taken effect. Against the real PostgreSQL.
 */

const topics = defaultTopicNames();
let schema: TestSchema;
let dataSource: DataSource;
/** What each compensation's handler was told, by order id. */
const told = new Map<string, { compensates?: CompensatedCommand; reservedBefore: number }>();
/** Every run of a reservation handler, committed or not. */
const runs: string[] = [];
/** Orders whose release fails transiently while they are in here. */
const flakyReleases = new Set<string>();
/** Orders whose release is refused while they are in here. */
const refusedReleases = new Set<string>();
/** Reservations that wait for their order's gate before they finish. */
const gates = new Map<string, Promise<void>>();
/** The server process of each gated reservation's transaction. */
const backends = new Map<string, number>();
const infos: string[] = [];
const logger: BatonLogger = { log: (message: string) => void infos.push(message), warn: () => undefined, error: () => undefined };

const worker = () =>
  new ParticipantWorker(dataSource, new RecordingTransport(), {
    name: 'inventory',
    topics,
    logger,
    handlers: [
      handleCommand(ReserveStock, async ({ orderId }, { tx, envelope, append }) => {
        runs.push(orderId);
        // "appended-" orders record their reservation through append, the others at once.
        if (orderId.startsWith('appended-')) append('reservations', { order_id: orderId, command_id: envelope.messageId });
        else await sql(tx, `INSERT INTO reservations (order_id, command_id) VALUES ($1, $2)`, [orderId, envelope.messageId]);
        const gate = gates.get(orderId);
        if (gate) {
          backends.set(orderId, (await sql<{ pid: number }>(tx, `SELECT pg_backend_pid() AS pid`)).rows[0].pid);
          await gate;
        }
        return reply(StockReserved, { reservationId: `res-${orderId}` });
      }),
      handleCommand(ReleaseStock, async ({ orderId }, { tx, compensates }) => {
        const { rows } = await sql<{ n: number }>(tx, `SELECT count(*)::int AS n FROM reservations WHERE order_id = $1`, [orderId]);
        told.set(orderId, { compensates, reservedBefore: rows[0].n });
        if (flakyReleases.has(orderId)) throw new TransientCommandError('the warehouse system did not answer');
        if (refusedReleases.has(orderId)) throw new CommandRefusedError('the stock count holds every reservation');
        return reply(StockReleased, { released: !!compensates?.applied });
      }),
    ],
  });


/** A reservation and the release that undoes it, of one saga. */
function pair(orderId: string): { reserve: MessageEnvelope; release: MessageEnvelope } {
  const sagaId = uuidv7();
  const reserve = orderCommand(ReserveStock, { orderId, items: [{ sku: 'BOOK-1', quantity: 1 }] }, sagaId);
  const release = orderCommand(ReleaseStock, { orderId }, sagaId, { compensates: reserve.messageId });
  return { reserve, release };
}

async function reservationsOf(orderId: string): Promise<number> {
  const [{ n }] = await dataSource.query(`SELECT count(*)::int AS n FROM reservations WHERE order_id = $1`, [orderId]);
  return n;
}

async function repliesTo(command: MessageEnvelope): Promise<MessageEnvelope[]> {
  const found = await dataSource.query(`SELECT envelope FROM participant_outbox WHERE envelope->>'causationId' = $1 ORDER BY id`, [command.messageId]);
  return found.map((row: { envelope: MessageEnvelope }) => row.envelope);
}

async function inboxRow(messageId: string): Promise<{ fenced_by: string | null; reply_id: string | null; tx: string } | undefined> {
  const [row] = await dataSource.query(`SELECT fenced_by, reply_id, xmin::text AS tx FROM participant_inbox WHERE participant = 'inventory' AND message_id = $1`, [
    messageId,
  ]);
  return row;
}

beforeAll(async () => {
  ({ schema, dataSource } = await participantDatabase('participant_compensations', 6));
});

afterAll(async () => {
  await dataSource?.destroy();
  await schema.drop();
});

describe('A compensation that arrives before the command it undoes', () => {
  it('is told the command was not applied, and the command, arriving later, does nothing and gets no reply', async () => {
    const participant = worker();
    const { reserve, release } = pair('early-1');
    expect(await participant.handle(release)).toBe('handled');
    expect(told.get('early-1')?.compensates).toEqual({ messageId: reserve.messageId, applied: false });

    expect(await participant.handle(reserve)).toBe('duplicate');
    expect(runs).not.toContain('early-1');
    expect(await reservationsOf('early-1')).toBe(0);
    expect(await repliesTo(reserve)).toEqual([]);
    expect(await repliesTo(release)).toEqual([expect.objectContaining({ type: 'StockReleased', payload: { released: false } })]);
    expect(await inboxRow(reserve.messageId)).toMatchObject({ fenced_by: release.messageId, reply_id: null });
    expect(infos).toContainEqual(expect.stringContaining(`ReserveStock ${reserve.messageId} does nothing: its compensation ${release.messageId} came first`));
  });

  it('fences it in the same batch too: the command after it does not run', async () => {
    const participant = worker();
    const { reserve, release } = pair('batch-late-1');
    expect(await Promise.all([participant.handle(release), participant.handle(reserve)])).toEqual(['handled', 'duplicate']);
    expect(told.get('batch-late-1')?.compensates).toEqual({ messageId: reserve.messageId, applied: false });
    expect(runs).not.toContain('batch-late-1');
    expect(await reservationsOf('batch-late-1')).toBe(0);
    expect(await repliesTo(reserve)).toEqual([]);
    const [fence, compensation] = [await inboxRow(reserve.messageId), await inboxRow(release.messageId)];
    // One transaction: the batch recorded the command as handled, then the compensation made that row its fence.
    expect(fence).toMatchObject({ fenced_by: release.messageId, reply_id: null, tx: compensation?.tx });
    // And a copy of it later does nothing either.
    expect(await participant.handle({ ...reserve })).toBe('duplicate');
    expect(await reservationsOf('batch-late-1')).toBe(0);
  });
});

describe('A compensation that arrives after the command it undoes', () => {
  it('is told the command was applied, in a later transaction', async () => {
    const participant = worker();
    const { reserve, release } = pair('after-1');
    expect(await participant.handle(reserve)).toBe('handled');
    expect(await participant.handle(release)).toBe('handled');
    expect(told.get('after-1')).toEqual({ compensates: { messageId: reserve.messageId, applied: true }, reservedBefore: 1 });
    expect(await inboxRow(reserve.messageId)).toMatchObject({ fenced_by: null });
  });

  it('is told the command was applied when it came earlier in the same batch, and sees the rows it appended', async () => {
    const participant = worker();
    const { reserve, release } = pair('appended-batch-1');
    expect(await Promise.all([participant.handle(reserve), participant.handle(release)])).toEqual(['handled', 'handled']);
    expect(told.get('appended-batch-1')).toEqual({ compensates: { messageId: reserve.messageId, applied: true }, reservedBefore: 1 });
    const [forward, compensation] = [await inboxRow(reserve.messageId), await inboxRow(release.messageId)];
    expect(forward?.tx).toBe(compensation?.tx);
    expect(await reservationsOf('appended-batch-1')).toBe(1);
  });

  it('while another transaction is still handling the command, waits for it and is told it was applied', async () => {
    const [first, second] = [worker(), worker()];
    const { reserve, release } = pair('racing-1');
    let open!: () => void;
    gates.set('racing-1', new Promise<void>((resolve) => (open = resolve)));
    const reserving = first.handle(reserve);
    const backend = await eventually(async () => backends.get('racing-1'), 30_000, 'the reservation to be in its handler');
    const releasing = second.handle(release);
    // The release's fence waits on the reservation's uncommitted inbox row.
    await eventually(
      async () => {
        const [{ n }] = await dataSource.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`, [backend]);
        return n > 0 ? true : undefined;
      },
      30_000,
      'the fence to wait for the reservation',
    );
    open();
    expect(await reserving).toBe('handled');
    expect(await releasing).toBe('handled');
    expect(told.get('racing-1')?.compensates).toEqual({ messageId: reserve.messageId, applied: true });
  });
});

describe('A compensation that fails transiently', () => {
  it('leaves no fence: the command it undoes, arriving next, is applied, and the retried compensation is told so', async () => {
    const participant = worker();
    const { reserve, release } = pair('flaky-release-1');
    flakyReleases.add('flaky-release-1');
    expect(await participant.handle(release)).toBe('failed-transiently');
    expect(await inboxRow(reserve.messageId)).toBeUndefined();
    flakyReleases.delete('flaky-release-1');
    expect(await participant.handle(reserve)).toBe('handled');
    expect(await participant.handle({ ...release })).toBe('handled');
    expect(told.get('flaky-release-1')?.compensates).toEqual({ messageId: reserve.messageId, applied: true });
  });
});

describe('A compensation that refuses', () => {
  it('is answered CommandFailed (not transient) and records nothing, no fence either: the operator\'s retry (same id) runs it again', async () => {
    const participant = worker();
    const { reserve, release } = pair('refused-release-1');
    refusedReleases.add('refused-release-1');
    expect(await participant.handle(release)).toBe('refused');
    expect(await inboxRow(release.messageId)).toBeUndefined();
    expect(await inboxRow(reserve.messageId)).toBeUndefined();
    const [answer] = await dataSource.query(`SELECT envelope FROM participant_outbox WHERE envelope->>'causationId' = $1`, [release.messageId]);
    expect(answer.envelope).toMatchObject({
      type: 'CommandFailed',
      payload: { command: 'ReleaseStock', reason: 'the stock count holds every reservation', transient: false },
    });
    refusedReleases.delete('refused-release-1');
    expect(await participant.handle(reserve)).toBe('handled');
    expect(await participant.handle({ ...release })).toBe('handled');
    expect(told.get('refused-release-1')?.compensates).toEqual({ messageId: reserve.messageId, applied: true });
  });
});
