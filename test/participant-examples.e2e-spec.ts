import type { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { uuidv7, type CommandContract, type MessageEnvelope, type PayloadOf } from '@baton/core';
import { ParticipantExplorer, ParticipantModule, type ParticipantWorker } from '@baton/participant';
import { ExampleLedger1763800000201, ExampleParticipantsModule, ExampleSettings, STUCK_RELEASE_FAILURES, TEST_TOKENS } from '@example/participants';
import { AuthorizePayment, CancelShipment, ReleaseStock, ReserveStock, ScheduleShipment, VoidAuthorization } from '@example/order-fulfillment-contracts';
import { LEDGER_OUTCOMES } from './faults/ledger-audit';
import { orderCommand } from './support/envelopes';
import { orderFor } from './support/orders';
import { RecordingTransport } from './support/recording-transport';
import { TEST_DATABASE_URL, TestSchema } from './support/test-database';

/**
 * The example participants' compensations accept "nothing to undo" and
 * succeed, and undo what their forward command did when it did something;
 * every effect is a ledger row with one of the outcomes the fault-injection
 * tests check. The participants run in their own Nest module against the
 * real PostgreSQL; commands are handed to their workers as the transport
 * would.
 */

let schema: TestSchema;
let app: INestApplicationContext;
let workers: Map<string, ParticipantWorker>;

beforeAll(async () => {
  schema = await TestSchema.create('participant_examples');
  const moduleRef = await Test.createTestingModule({
    imports: [
      ExampleParticipantsModule.forRoot(new ExampleSettings()),
      ParticipantModule.forRoot({
        database: { url: TEST_DATABASE_URL, schema: schema.name, poolSize: 4, migrations: [ExampleLedger1763800000201] },
        transport: new RecordingTransport(),
      }),
    ],
  }).compile();
  app = await moduleRef.init();
  workers = new Map(app.get(ParticipantExplorer).workers.map((worker) => [worker.name, worker]));
});

afterAll(async () => {
  await app?.close();
  await schema?.drop();
});

const send = orderCommand;

const participantOf = new Map<string, string>(
  [ReserveStock, ReleaseStock, AuthorizePayment, VoidAuthorization, ScheduleShipment, CancelShipment].map((contract) => [contract.type, contract.participant]),
);

/** A command delivered to its participant. */
function handle(command: MessageEnvelope) {
  return workers.get(participantOf.get(command.type)!)!.handle(command);
}

async function query<T = any>(text: string, params: unknown[] = []): Promise<T[]> {
  return app.get(ParticipantExplorer).database.query(text, params);
}

async function ledgerOf(orderId: string): Promise<Array<{ command_type: string; outcome: string; details: any }>> {
  return query(`SELECT command_type, outcome, details FROM example_ledger WHERE order_id = $1 ORDER BY id`, [orderId]);
}

async function replyTo(command: MessageEnvelope): Promise<MessageEnvelope[]> {
  const rows = await query<{ envelope: MessageEnvelope }>(`SELECT envelope FROM participant_outbox WHERE envelope->>'causationId' = $1 ORDER BY id`, [
    command.messageId,
  ]);
  return rows.map((row) => row.envelope);
}

/** A forward command and the compensation that undoes it, in one saga. */
function forwardAndUndo<F extends CommandContract, U extends CommandContract>(forward: F, forwardPayload: PayloadOf<F>, undo: U, undoPayload: PayloadOf<U>) {
  const sagaId = uuidv7();
  const command = send(forward, forwardPayload, sagaId);
  return { forward: command, undo: send(undo, undoPayload, sagaId, { compensates: command.messageId }) };
}

describe('Inventory', () => {
  const reservation = (orderId: string, sku = 'BOOK-1') =>
    forwardAndUndo(ReserveStock, { orderId, items: [{ sku, quantity: 1 }] }, ReleaseStock, { orderId });

  it('releases nothing when the reservation never took effect, and the reservation arriving afterwards does nothing', async () => {
    const { forward, undo } = reservation('inv-never');
    expect(await handle(undo)).toBe('handled');
    expect(await handle(forward)).toBe('duplicate');
    expect(await ledgerOf('inv-never')).toEqual([
      { command_type: 'ReleaseStock', outcome: 'nothing-to-release', details: { compensates: forward.messageId, applied: false } },
    ]);
    expect(await replyTo(undo)).toEqual([expect.objectContaining({ type: 'StockReleased', payload: { released: false } })]);
    expect(await replyTo(forward)).toEqual([]);
  });

  it('releases a reservation that took effect', async () => {
    const { forward, undo } = reservation('inv-done');
    await handle(forward);
    await handle(undo);
    const reservationId = `res-${forward.messageId}`;
    expect((await ledgerOf('inv-done')).map((row) => row.outcome)).toEqual(['reserved', 'released']);
    expect((await ledgerOf('inv-done'))[1].details).toEqual({ reservationIds: [reservationId], compensates: forward.messageId, applied: true });
    expect(await replyTo(undo)).toEqual([expect.objectContaining({ type: 'StockReleased', payload: { released: true, reservationId } })]);
  });

  it('releases a reservation handled just before it in the same batch', async () => {
    const { forward, undo } = reservation('inv-batch');
    expect(await Promise.all([handle(forward), handle(undo)])).toEqual(['handled', 'handled']);
    expect((await ledgerOf('inv-batch')).map((row) => row.outcome)).toEqual(['reserved', 'released']);
    // One transaction: the release read the reservation its batch had appended.
    expect(await query(`SELECT DISTINCT xmin::text FROM example_ledger WHERE order_id = 'inv-batch'`)).toHaveLength(1);
  });

  it('releases nothing after a refused reservation', async () => {
    const { forward, undo } = reservation('inv-refused', 'OOS-LAMP');
    await handle(forward);
    await handle(undo);
    expect((await ledgerOf('inv-refused')).map((row) => row.outcome)).toEqual(['refused', 'nothing-to-release']);
    expect(await replyTo(undo)).toEqual([expect.objectContaining({ payload: { released: false } })]);
  });

  it(`fails the release of a STUCK- reservation transiently ${STUCK_RELEASE_FAILURES} times, recording nothing, then releases it`, async () => {
    const { forward, undo } = reservation('inv-stuck', 'STUCK-LAMP');
    await handle(forward);
    for (let attempt = 1; attempt <= STUCK_RELEASE_FAILURES; attempt++) {
      expect(await handle({ ...undo })).toBe('failed-transiently');
    }
    expect(await handle({ ...undo })).toBe('handled');
    expect((await ledgerOf('inv-stuck')).map((row) => row.outcome)).toEqual(['reserved', 'released']);
    const replies = await replyTo(undo);
    expect(replies.map((r) => r.type)).toEqual([...Array(STUCK_RELEASE_FAILURES).fill('CommandFailed'), 'StockReleased']);
    expect(replies[0].payload).toEqual({ command: 'ReleaseStock', reason: 'the reservation is locked by a stock count', transient: true });
    // Recorded now: a copy does nothing more.
    expect(await handle({ ...undo })).toBe('duplicate');
    expect((await ledgerOf('inv-stuck')).map((row) => row.outcome)).toEqual(['reserved', 'released']);
  });
});

describe('Payment', () => {
  const authorization = (orderId: string, paymentToken = 'tok_visa') =>
    forwardAndUndo(AuthorizePayment, { orderId, customerId: 'c-1', amountCents: 4200, currency: 'EUR', paymentToken }, VoidAuthorization, { orderId });

  it('voids nothing when the authorization never took effect, and the authorization arriving afterwards does nothing', async () => {
    const { forward, undo } = authorization('pay-never');
    await handle(undo);
    expect(await handle(forward)).toBe('duplicate');
    expect((await ledgerOf('pay-never')).map((row) => row.outcome)).toEqual(['nothing-to-void']);
    expect(await replyTo(undo)).toEqual([expect.objectContaining({ type: 'AuthorizationVoided', payload: { orderId: 'pay-never', voided: false } })]);
  });

  it('voids an authorization that took effect', async () => {
    const { forward, undo } = authorization('pay-done');
    await handle(forward);
    await handle(undo);
    expect((await ledgerOf('pay-done')).map((row) => row.outcome)).toEqual(['authorized', 'voided']);
    expect(await replyTo(undo)).toEqual([expect.objectContaining({ payload: { orderId: 'pay-done', voided: true } })]);
  });

  it('voids nothing after a declined card, or a gateway that never answered (no reply, no effect)', async () => {
    const declined = authorization('pay-declined', TEST_TOKENS.declined);
    const silent = authorization('pay-silent', TEST_TOKENS.unresponsive);
    for (const { forward, undo } of [declined, silent]) {
      await handle(forward);
      await handle(undo);
    }
    expect((await ledgerOf('pay-declined')).map((row) => row.outcome)).toEqual(['refused', 'nothing-to-void']);
    expect((await ledgerOf('pay-silent')).map((row) => row.outcome)).toEqual(['unanswered', 'nothing-to-void']);
    expect(await replyTo(silent.forward)).toEqual([]);
    expect(await replyTo(silent.undo)).toEqual([expect.objectContaining({ payload: { orderId: 'pay-silent', voided: false } })]);
  });
});

describe('Shipping', () => {
  const shipment = (orderId: string, country = 'DE') =>
    forwardAndUndo(ScheduleShipment, { orderId, items: [{ sku: 'BOOK-1', quantity: 1 }], address: { ...orderFor('completes', orderId).shippingAddress, country } }, CancelShipment, {
      orderId,
    });

  it('cancels nothing when the shipment never took effect, and the shipment arriving afterwards does nothing', async () => {
    const { forward, undo } = shipment('ship-never');
    await handle(undo);
    expect(await handle(forward)).toBe('duplicate');
    expect((await ledgerOf('ship-never')).map((row) => row.outcome)).toEqual(['nothing-to-cancel']);
    expect(await replyTo(undo)).toEqual([expect.objectContaining({ type: 'ShipmentCancelled', payload: { cancelled: false } })]);
  });

  it('cancels a shipment that was scheduled, naming it', async () => {
    const { forward, undo } = shipment('ship-done');
    await handle(forward);
    await handle(undo);
    expect((await ledgerOf('ship-done')).map((row) => row.outcome)).toEqual(['scheduled', 'cancelled']);
    expect(await replyTo(undo)).toEqual([
      expect.objectContaining({ type: 'ShipmentCancelled', payload: { cancelled: true, shipmentId: `shp-${forward.messageId}` } }),
    ]);
  });

  it('cancels nothing after a refused shipment', async () => {
    const { forward, undo } = shipment('ship-refused', 'AQ');
    await handle(forward);
    await handle(undo);
    expect((await ledgerOf('ship-refused')).map((row) => row.outcome)).toEqual(['refused', 'nothing-to-cancel']);
  });
});

describe('The example ledger', () => {
  it('holds only the outcomes each command may record', async () => {
    const rows = await query<{ command_type: string; outcome: string }>(`SELECT DISTINCT command_type, outcome FROM example_ledger`);
    expect(rows.length).toBeGreaterThan(0);
    rows.forEach(({ command_type, outcome }) => expect(LEDGER_OUTCOMES[command_type]).toContain(outcome));
  });
});
