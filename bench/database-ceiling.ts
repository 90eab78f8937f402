import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { uuidv7 } from '@baton/core';

/**
 * The database's own limit for what one saga step writes, measured in the
 * same run on the same database: one transaction that updates a saga row
 * with a version check, inserts an outbox row and an inbox row. `clients`
 * loops run it back to back for `durationMs`; returns transactions per second.
 */
export async function measureStepCeiling(dataSource: DataSource, clients: number, durationMs: number): Promise<number> {
  await dataSource.query(`CREATE TABLE IF NOT EXISTS bench_ceiling_saga (id uuid PRIMARY KEY, version int NOT NULL, snapshot jsonb NOT NULL)`);
  const sagas = Array.from({ length: clients }, () => uuidv7());
  for (const id of sagas) {
    await dataSource.query(`INSERT INTO bench_ceiling_saga (id, version, snapshot) VALUES ($1, 0, '{}')`, [id]);
  }
  const snapshot = JSON.stringify({ value: { securing: { stock: 'reserved', payment: 'authorizing' } }, context: { n: 1 } });
  const envelope = JSON.stringify({ type: 'ReserveStock', payload: { orderId: 'x', items: [{ sku: 'a', quantity: 1 }] } });
  let done = 0;
  const deadline = Date.now() + durationMs;
  const client = async (sagaId: string) => {
    let version = 0;
    while (Date.now() < deadline) {
      await dataSource.transaction(async (tx) => {
        await tx.query(`UPDATE bench_ceiling_saga SET version = version + 1, snapshot = $3 WHERE id = $1 AND version = $2`, [sagaId, version, snapshot]);
        await tx.query(
          `INSERT INTO baton_outbox (message_id, saga_id, topic, message_type, envelope, published_at) VALUES ($1, $2, 'bench', 'Bench', $3, now())`,
          [uuidv7(), sagaId, envelope],
        );
        await tx.query(`INSERT INTO baton_inbox (message_id, saga_id, message_type) VALUES ($1, $2, 'Bench')`, [randomUUID(), sagaId]);
      });
      version++;
      done++;
    }
  };
  const started = Date.now();
  await Promise.all(sagas.map(client));
  const elapsed = Date.now() - started;
  await dataSource.query(`DROP TABLE bench_ceiling_saga`);
  await dataSource.query(`DELETE FROM baton_outbox WHERE topic = 'bench'`);
  await dataSource.query(`DELETE FROM baton_inbox WHERE message_type = 'Bench'`);
  return (done / elapsed) * 1000;
}
