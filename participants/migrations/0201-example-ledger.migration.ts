import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The example participants' ledger: one row per effect applied. It has no
 * unique key on purpose: a command applied twice would show as two rows, which
 * is what the tests look for.
 */
export class ExampleLedger1763800000201 implements MigrationInterface {
  name = 'ExampleLedger1763800000201';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE example_ledger (
        id           bigserial PRIMARY KEY,
        participant  text NOT NULL,
        command_id   text NOT NULL,
        command_type text NOT NULL,
        saga_id      uuid NOT NULL,
        order_id     text NOT NULL,
        outcome      text NOT NULL,
        details      jsonb NOT NULL DEFAULT '{}',
        applied_at   timestamptz NOT NULL DEFAULT now()
      )`);
    // Payment looks up earlier voids of an order.
    await db.query(`CREATE INDEX example_ledger_order ON example_ledger (order_id, command_type)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS example_ledger`);
  }
}
