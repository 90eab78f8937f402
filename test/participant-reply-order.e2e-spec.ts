import { randomUUID } from 'node:crypto';
import { defaultTopicNames, uuidv7, type MessageEnvelope } from '@baton/core';
import { PARTICIPANT_MIGRATIONS } from '@baton/participant';
import { OutboxRepository, ParticipantStore, createDataSource, type NewOutboxMessage, type OutboxWritten } from '@baton/postgres';
import type { DataSource } from 'typeorm';
import { orderReply } from './support/envelopes';
import { eventually } from './support/orders';
import { participantDatabase } from './support/participant-database';
import { RecordingTransport } from './support/recording-transport';
import { TEST_DATABASE_URL, TestSchema } from './support/test-database';

/**
 * Order among replies in participant_outbox is kept per saga, participant
 * and topic: two participants sharing the table (one service hosting both)
 * answering one saga's parallel commands never wait on each other, while one
 * participant's replies to a saga still go out in the order written. Against
 * the real PostgreSQL.
 */

const { replies: topic } = defaultTopicNames();
const LEASE_MS = 60_000;
let schema: TestSchema;
let dataSource: DataSource;

/** A reply of `participant`'s to saga `sagaId` (its payload names both, to tell rows apart). */
function replyOf(sagaId: string, participant: string, n: number): NewOutboxMessage {
  return { topic, envelope: orderReply(sagaId, 'StockReserved', { reservationId: `${participant}-${n}` }) };
}

/** Writes `replies` as `participant`'s, in one transaction; `leaseMs` as a relay in this process would. */
function write(participant: string, replies: NewOutboxMessage[], leaseMs?: number): Promise<OutboxWritten> {
  return new ParticipantStore(dataSource, participant).transaction((unit) => unit.write(replies, leaseMs));
}

/** The earlier tests' rows out of the way (as if published), so a claim sees only the test's own. */
const publishEarlierRows = () => dataSource.query(`UPDATE participant_outbox SET published_at = now() WHERE published_at IS NULL`);

const reservationId = (row: { envelope: MessageEnvelope }) => (row.envelope.payload as { reservationId: string }).reservationId;
const reservationIds = (rows: Array<{ envelope: MessageEnvelope }>) => rows.map(reservationId);

beforeAll(async () => {
  ({ schema, dataSource } = await participantDatabase('reply_order'));
});

afterAll(async () => {
  await dataSource?.destroy();
  await schema.drop();
});

describe('Replies of two participants to one saga', () => {
  it("are each written leased to the writer's relay: neither waits for the other's to be published", async () => {
    const sagaId = randomUUID();
    const inventory = await write('inventory', [replyOf(sagaId, 'inventory', 1)], LEASE_MS);
    const payment = await write('payment', [replyOf(sagaId, 'payment', 1)], LEASE_MS);
    expect(inventory).toEqual({ leased: [expect.objectContaining({ sender: 'inventory', sagaId })], unleased: 0 });
    expect(payment).toEqual({ leased: [expect.objectContaining({ sender: 'payment', sagaId })], unleased: 0 });
  });

  it("leave one participant's later reply behind its unpublished earlier one, for a claim", async () => {
    const sagaId = randomUUID();
    await write('inventory', [replyOf(sagaId, 'inventory', 1)], LEASE_MS);
    const later = await write('inventory', [replyOf(sagaId, 'inventory', 2)], LEASE_MS);
    expect(later).toEqual({ leased: [], unleased: 1 });
  });

  it("are claimed past another participant's leased reply, and never past the same participant's", async () => {
    const outbox = new OutboxRepository(dataSource, 'participant_outbox');
    await publishEarlierRows();
    const sagaId = randomUUID();
    await write('inventory', [replyOf(sagaId, 'inventory', 1)]);
    await write('payment', [replyOf(sagaId, 'payment', 1)]);
    await write('inventory', [replyOf(sagaId, 'inventory', 2)]);
    // A relay that died holding inventory's first reply.
    const first = await outbox.claim(1, LEASE_MS);
    expect(reservationIds(first.rows)).toEqual(['inventory-1']);

    const next = await outbox.claim(100, LEASE_MS);
    expect(next.rows.map((row) => [row.sender, reservationId(row)])).toEqual([['payment', 'payment-1']]);
    expect(next.blocked).toBe(1);
  });

  it("go out through one relay with each participant's in order", async () => {
    const transport = new RecordingTransport();
    const relay = ParticipantStore.replyRelay(dataSource, transport, { idleMs: 50 });
    await publishEarlierRows();
    const sagaId = randomUUID();
    const written = [
      await write('inventory', [replyOf(sagaId, 'inventory', 1), replyOf(sagaId, 'inventory', 2)]),
      await write('payment', [replyOf(sagaId, 'payment', 1)]),
      await write('inventory', [replyOf(sagaId, 'inventory', 3)]),
      await write('payment', [replyOf(sagaId, 'payment', 2)]),
    ];
    expect(written.every((w) => w.leased.length === 0)).toBe(true);
    relay.start();
    try {
      await eventually(
        async () => (transport.published.filter((p) => p.envelope.sagaId === sagaId).length >= 5 ? true : undefined),
        60_000,
        'the five replies to be published',
      );
    } finally {
      await relay.stop();
    }
    const mine = reservationIds(transport.published.filter((p) => p.envelope.sagaId === sagaId));
    expect(mine.filter((id) => id.startsWith('inventory'))).toEqual(['inventory-1', 'inventory-2', 'inventory-3']);
    expect(mine.filter((id) => id.startsWith('payment'))).toEqual(['payment-1', 'payment-2']);
    const [{ unpublished }] = await dataSource.query(
      `SELECT count(*)::int AS unpublished FROM participant_outbox WHERE saga_id = $1 AND published_at IS NULL`,
      [sagaId],
    );
    expect(unpublished).toBe(0);
  });
});

describe('Migration 0104 (participant_outbox.sender)', () => {
  it('names the participant of each unpublished reply its inbox recorded, and leaves the rest to the orchestrator default', async () => {
    const migrated = await TestSchema.create('reply_order_migration');
    const options = { url: TEST_DATABASE_URL, schema: migrated.name };
    try {
      const before = await createDataSource({ ...options, migrations: PARTICIPANT_MIGRATIONS.slice(0, 3) });
      const sagaId = randomUUID();
      const [recorded, transient, published] = [uuidv7(), uuidv7(), uuidv7()];
      await before.query(
        `INSERT INTO participant_inbox (participant, message_id, message_type, saga_id, reply_id)
         VALUES ('inventory', $1, 'ReserveStock', $2, $3), ('inventory', $4, 'ReserveStock', $2, $5)`,
        [uuidv7(), sagaId, recorded, uuidv7(), published],
      );
      await before.query(
        `INSERT INTO participant_outbox (message_id, saga_id, topic, message_type, envelope, published_at)
         VALUES ($1, $4, $5, 'StockReserved', '{}', NULL), ($2, $4, $5, 'CommandFailed', '{}', NULL), ($3, $4, $5, 'StockReserved', '{}', now())`,
        [recorded, transient, published, sagaId, topic],
      );
      await before.destroy();

      const after = await createDataSource({ ...options, migrations: PARTICIPANT_MIGRATIONS });
      try {
        const rows: Array<{ message_id: string; sender: string }> = await after.query(
          `SELECT message_id, sender FROM participant_outbox WHERE saga_id = $1`,
          [sagaId],
        );
        expect(Object.fromEntries(rows.map((row) => [row.message_id, row.sender]))).toEqual({
          [recorded]: 'inventory',
          [transient]: '',
          [published]: '',
        });
      } finally {
        await after.destroy();
      }
    } finally {
      await migrated.drop();
    }
  });
});
