import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The orchestrator finds a sent command by its message id: a reply from a
 * stock @nestjs/microservices peer names only the command it answers
 * (`kafka_correlationId`), and the saga it belongs to is read from the
 * command (OutboxRepository.sentMessage; docs/wire-protocol.md, "Replies
 * from stock @nestjs/microservices peers").
 */
export class OutboxMessageId1763800000007 implements MigrationInterface {
  name = 'OutboxMessageId1763800000007';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE INDEX baton_outbox_message_id ON baton_outbox (message_id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX baton_outbox_message_id`);
  }
}
