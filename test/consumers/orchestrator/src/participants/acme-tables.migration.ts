import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The in-process participants' own tables: charges and issued tickets. */
export class AcmeTables1800000000001 implements MigrationInterface {
  name = 'AcmeTables1800000000001';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE acme_charge (
      charge_id text PRIMARY KEY,
      order_id text NOT NULL,
      amount_cents integer NOT NULL,
      refunded boolean NOT NULL DEFAULT false
    )`);
    await runner.query(`CREATE TABLE acme_ticket (ticket_id text PRIMARY KEY, order_id text NOT NULL, event_id text NOT NULL)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE acme_ticket');
    await runner.query('DROP TABLE acme_charge');
  }
}
