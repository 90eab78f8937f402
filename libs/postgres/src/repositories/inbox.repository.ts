import type { EntityManager } from 'typeorm';
import { sql } from '../sql';

/** Ids of the messages the orchestrator has applied. */
export class InboxRepository {
  /**
   * Records a message id; false if it was recorded before, i.e. the message
   * is a redelivery and must change nothing. Runs in the transaction of the
   * message's effects, so the record and the effect commit or vanish together.
   */
  async recordOnce(tx: EntityManager, messageId: string, sagaId: string | null, messageType: string): Promise<boolean> {
    const { rowCount } = await sql(
      tx,
      `INSERT INTO baton_inbox (message_id, saga_id, message_type) VALUES ($1, $2, $3)
       ON CONFLICT (message_id) DO NOTHING`,
      [messageId, sagaId, messageType],
    );
    return rowCount === 1;
  }
}
