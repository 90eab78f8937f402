import { DependencyUnavailableError, defaultTopicNames } from '@baton/core';
import { ParticipantWorker, TransientCommandError, handleCommand, reply } from '@baton/participant';
import { sql } from '../libs/postgres/src/sql';
import { ReserveStock, StockReserved } from '@example/order-fulfillment-contracts';
import type { DataSource } from 'typeorm';
import { orderCommand } from './support/envelopes';
import { participantDatabase } from './support/participant-database';
import { RecordingTransport } from './support/recording-transport';
import type { TestSchema } from './support/test-database';

/**
 * A participant's commands against the real PostgreSQL: commands that
 * arrive together share a transaction, and a handler that fails in such a
 * batch costs the others nothing but a second try.
 */

const topics = defaultTopicNames();
let schema: TestSchema;
let dataSource: DataSource;
/** Orders whose reservation fails transiently (the warehouse is down), every time. */
const flaky = new Set<string>();
/** Every run of the handler, committed or not. */
const runs: string[] = [];

const worker = () =>
  new ParticipantWorker(dataSource, new RecordingTransport(), {
    name: 'inventory',
    topics,
    logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
    handlers: [
      handleCommand(ReserveStock, async ({ orderId }, { tx, envelope, append }) => {
        runs.push(orderId);
        if (orderId.startsWith('appended-')) append('reservations', { order_id: orderId, command_id: envelope.messageId });
        else await sql(tx, `INSERT INTO reservations (order_id, command_id) VALUES ($1, $2)`, [orderId, envelope.messageId]);
        if (flaky.has(orderId)) throw new TransientCommandError('the warehouse system did not answer');
        // What pg throws when the handler's own query finds the server gone.
        if (orderId.startsWith('db-down-')) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
        return reply(StockReserved, { reservationId: `res-${orderId}` });
      }),
    ],
  });

const reserve = (orderId: string) => orderCommand(ReserveStock, { orderId, items: [{ sku: 'BOOK-1', quantity: 1 }] });

async function rows(text: string, params: unknown[] = []): Promise<any[]> {
  return dataSource.query(text, params);
}

beforeAll(async () => {
  ({ schema, dataSource } = await participantDatabase('participant'));
});

afterAll(async () => {
  await dataSource?.destroy();
  await schema.drop();
});

describe('Commands that arrive together', () => {
  it('share one transaction: inbox, work and replies of each, each answered on its own', async () => {
    const participant = worker();
    const commands = Array.from({ length: 20 }, (_, i) => reserve(`together-${i}`));
    const results = await Promise.all(commands.map((command) => participant.handle(command)));
    expect(results).toEqual(commands.map(() => 'handled'));

    const replies = await rows(`SELECT envelope FROM participant_outbox WHERE saga_id = ANY($1::uuid[])`, [commands.map((c) => c.sagaId)]);
    expect(replies.map((r) => r.envelope.causationId).sort()).toEqual(commands.map((c) => c.messageId).sort());
    // Rows written by one transaction carry its id.
    const txs = await rows(`SELECT DISTINCT xmin::text AS tx FROM participant_inbox WHERE message_id = ANY($1::text[])`, [
      commands.map((c) => c.messageId),
    ]);
    expect(txs.length).toBeLessThan(5);
  });

  it('hold a redelivered command and a second copy in the same batch to one effect', async () => {
    const participant = worker();
    const command = reserve('twice');
    expect(await participant.handle(command)).toBe('handled');
    const results = await Promise.all([participant.handle({ ...command }), participant.handle({ ...command })]);
    expect(results).toEqual(['duplicate', 'duplicate']);
    const fresh = reserve('copies');
    expect(await Promise.all([participant.handle(fresh), participant.handle({ ...fresh })])).toEqual(['handled', 'duplicate']);
    expect(await rows(`SELECT order_id FROM reservations WHERE order_id IN ('twice', 'copies')`)).toHaveLength(2);
  });
});

describe('A handler that fails transiently in a batch', () => {
  it('is answered CommandFailed, while the other commands are handled once each', async () => {
    const participant = worker();
    flaky.add('flaky-1');
    const commands = ['ok-1', 'flaky-1', 'ok-2', 'ok-3'].map(reserve);
    runs.length = 0;

    const results = await Promise.all(commands.map((command) => participant.handle(command)));

    expect(results).toEqual(['handled', 'failed-transiently', 'handled', 'handled']);
    // The failing handler ran once; the batch it rolled back ran again without it.
    expect(runs.filter((orderId) => orderId === 'flaky-1')).toHaveLength(1);
    const reserved = await rows(`SELECT order_id FROM reservations WHERE order_id LIKE 'ok-%' OR order_id = 'flaky-1' ORDER BY order_id`);
    expect(reserved.map((r) => r.order_id)).toEqual(['ok-1', 'ok-2', 'ok-3']);
    const [failed] = await rows(`SELECT envelope FROM participant_outbox WHERE saga_id = $1`, [commands[1].sagaId]);
    expect(failed.envelope).toMatchObject({ type: 'CommandFailed', payload: { command: 'ReserveStock', transient: true } });
    // Not recorded: the saga's retry (same message id) runs it again.
    expect(await rows(`SELECT 1 FROM participant_inbox WHERE message_id = $1`, [commands[1].messageId])).toHaveLength(0);
  });
});

describe('Rows that handlers append', () => {
  it("are written in their batch's transaction, one INSERT for all, with the columns left out taking their defaults", async () => {
    const participant = worker();
    const commands = Array.from({ length: 10 }, (_, i) => reserve(`appended-${i}`));
    expect(await Promise.all(commands.map((command) => participant.handle(command)))).toEqual(commands.map(() => 'handled'));
    const written = await rows(
      `SELECT r.order_id, r.command_id, r.at IS NOT NULL AS dated, r.xmin::text AS tx, i.xmin::text AS inbox_tx
         FROM reservations r JOIN participant_inbox i ON i.message_id = r.command_id::text
        WHERE r.order_id LIKE 'appended-%' ORDER BY r.id`,
    );
    expect(written.map((r) => r.order_id)).toEqual(commands.map((c) => (c.payload as { orderId: string }).orderId));
    written.forEach((r) => expect(r).toMatchObject({ dated: true, tx: r.inbox_tx }));
  });

  it('vanish with a batch that rolls back: a failed command leaves none, the others one each', async () => {
    const participant = worker();
    flaky.add('appended-flaky');
    const commands = ['appended-a', 'appended-flaky', 'appended-b'].map(reserve);
    expect(await Promise.all(commands.map((command) => participant.handle(command)))).toEqual(['handled', 'failed-transiently', 'handled']);
    const written = await rows(`SELECT order_id FROM reservations WHERE order_id IN ('appended-a', 'appended-flaky', 'appended-b') ORDER BY order_id`);
    expect(written.map((r) => r.order_id)).toEqual(['appended-a', 'appended-b']);
  });

  it('must name a table and columns with plain identifiers', async () => {
    const participant = new ParticipantWorker(dataSource, new RecordingTransport(), {
      name: 'inventory',
      topics,
      logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
      handlers: [
        handleCommand(ReserveStock, async (_, { append }) => {
          append('reservations; DROP TABLE reservations', { order_id: 'x' });
        }),
      ],
    });
    await expect(participant.handle(reserve('bad-table'))).rejects.toThrow('is not a plain SQL identifier');
    expect(await rows(`SELECT to_regclass('reservations')::text AS t`)).toEqual([{ t: 'reservations' }]);
  });
});

describe('A handler whose own query finds the database down', () => {
  it('fails its command as a dependency that is unavailable, so the transport waits instead of counting an attempt, and records nothing', async () => {
    const command = reserve('db-down-1');
    await expect(worker().handle(command)).rejects.toBeInstanceOf(DependencyUnavailableError);
    expect(await rows(`SELECT 1 FROM participant_inbox WHERE message_id = $1`, [command.messageId])).toEqual([]);
  });
});
