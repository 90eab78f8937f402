import { randomUUID } from 'node:crypto';
import { BATON_ENTITIES, BATON_MIGRATIONS, DeadLetterRepository, createDataSource } from '@baton/postgres';
import { TEST_DATABASE_URL, TestSchema } from './support/test-database';

/**
 * Migration 0005 moves the raw message of letters recorded before it
 * (`envelope = { raw }`, text) into the raw columns, so every letter is read
 * one way.
 */
describe('Migration 0005 (dead letters keep raw bytes)', () => {
  it('moves an older letter’s raw text into the raw columns and leaves decoded letters alone', async () => {
    const schema = await TestSchema.create('dl_migration');
    const options = { url: TEST_DATABASE_URL, schema: schema.name, entities: BATON_ENTITIES };
    try {
      const before = await createDataSource({ ...options, migrations: BATON_MIGRATIONS.slice(0, 4) });
      const messageId = randomUUID();
      const legacy = { raw: { key: 'k-1', value: 'not json ✓', headers: { 'message-id': messageId, 'message-type': 'StockReserved' } } };
      const envelope = { messageId: randomUUID(), type: 'StockReserved', sagaId: randomUUID() };
      await before.query(
        `INSERT INTO baton_dead_letter (consumer, topic, message_id, envelope, reason, attempts)
         VALUES ('orchestrator', 'saga.replies', $1, $2, 'not JSON', 1), ('orchestrator', 'saga.replies', $3, $4, 'no saga', 1)`,
        [messageId, JSON.stringify(legacy), envelope.messageId, JSON.stringify(envelope)],
      );
      await before.destroy();

      const after = await createDataSource({ ...options, migrations: BATON_MIGRATIONS });
      try {
        const letters = new DeadLetterRepository(after);
        const [decoded, undecoded] = await letters.page({ status: 'open', limit: 10 });
        expect(await letters.findById(undecoded.id)).toEqual(
          expect.objectContaining({
            envelope: null,
            raw: {
              key: Buffer.from('k-1'),
              value: Buffer.from('not json ✓'),
              headers: expect.arrayContaining([
                { name: 'message-id', value: Buffer.from(messageId).toString('base64') },
                { name: 'message-type', value: Buffer.from('StockReserved').toString('base64') },
              ]),
            },
          }),
        );
        expect(await letters.findById(decoded.id)).toEqual(expect.objectContaining({ envelope, raw: null }));
      } finally {
        await after.destroy();
      }
    } finally {
      await schema.drop();
    }
  });
});
