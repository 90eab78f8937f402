import { randomUUID } from 'node:crypto';
import { RpcException } from '@nestjs/microservices';
import { Pool, type PoolClient } from 'pg';

/** A reply as ServerKafka sends what a handler returns: key, JSON value, headers. */
export interface KafkaReply {
  key: string;
  value: Record<string, unknown>;
  headers: Record<string, string>;
}

/** What a payment command asks, with the headers this service reads (docs/wire-protocol.md). */
export interface PaymentCommand {
  messageId: string;
  sagaId: string;
  /** On a compensation: the message id of the authorization it undoes. */
  compensates?: string;
  payload: { orderId: string; paymentToken?: string; amountCents?: number };
}

/**
 * The payment service's own book, in its own PostgreSQL schema, with no
 * Baton code: the duties docs/wire-protocol.md ("What a participant must
 * do") gives any participant, done by hand.
 * - `payment_inbox`: each command's message id, recorded in the transaction
 *   of its effect, with the reply it was answered with. A command seen
 *   before is not applied again: its recorded reply is sent again, the same
 *   message id included, so a lost reply is recovered when the saga resends.
 *   (This service has no outbox: ServerKafka sends the reply after the
 *   commit, so a crash in between loses it until the command comes again.)
 * - A compensation records the id of the authorization it undoes as well
 *   (`fenced_by`): that authorization, arriving later, does nothing.
 * - `payment_ledger`: the effects, to be balanced when every saga ended.
 */
export class PaymentBook {
  private readonly pool: Pool;

  constructor(
    url: string,
    private readonly schema: string,
  ) {
    this.pool = new Pool({ connectionString: url, max: 4, options: `-c search_path=${schema}` });
  }

  async open(): Promise<void> {
    await this.pool.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
    await this.pool.query(`
      CREATE TABLE IF NOT EXISTS payment_inbox (
        command_id  text PRIMARY KEY,
        reply       jsonb,
        fenced_by   text,
        received_at timestamptz NOT NULL DEFAULT now())`);
    await this.pool.query(`
      CREATE TABLE IF NOT EXISTS payment_ledger (
        id         bigserial PRIMARY KEY,
        command_id text NOT NULL,
        saga_id    text NOT NULL,
        order_id   text NOT NULL,
        outcome    text NOT NULL,
        details    jsonb NOT NULL DEFAULT '{}')`);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** Authorizes once per command id; the reply, or undefined when the gateway "never answers" or a void came first. */
  authorize(command: PaymentCommand): Promise<KafkaReply | undefined> {
    return this.once(command, async (db) => {
      const { orderId, paymentToken, amountCents } = command.payload;
      if (paymentToken === 'tok_stolen') {
        // Thrown: rolls back (nothing recorded) and goes back as kafka_nest-err, a refusal.
        throw new RpcException('the card is reported stolen');
      }
      if (paymentToken === 'tok_unresponsive') {
        await this.record(db, command, 'unanswered', {});
        return undefined;
      }
      if (paymentToken === 'tok_declined') {
        await this.record(db, command, 'refused', { reason: 'card declined' });
        return reply(command, 'PaymentRefused', 1, { reason: 'card declined' });
      }
      const authorizationId = `auth-${command.messageId}`;
      await this.record(db, command, 'authorized', { authorizationId, amountCents, orderId });
      return reply(command, 'PaymentAuthorized', 1, { authorizationId });
    });
  }

  /** Voids the order's standing authorizations (none is a success too), fencing the authorization it undoes. */
  void(command: PaymentCommand): Promise<KafkaReply | undefined> {
    return this.once(command, async (db) => {
      if (command.compensates) {
        await db.query(`INSERT INTO payment_inbox (command_id, fenced_by) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [command.compensates, command.messageId]);
      }
      const { rows } = await db.query<{ id: string }>(
        `SELECT id FROM payment_ledger
          WHERE order_id = $1 AND outcome = 'authorized'
            AND id > COALESCE((SELECT max(id) FROM payment_ledger WHERE order_id = $1 AND outcome = 'voided'), 0)`,
        [command.payload.orderId],
      );
      await this.record(db, command, rows.length ? 'voided' : 'nothing-to-void', { compensates: command.compensates });
      return reply(command, 'AuthorizationVoided', 2, { orderId: command.payload.orderId, voided: rows.length > 0 });
    });
  }

  /** Runs `apply` in a transaction that records the command, unless it was recorded before: then its recorded reply. */
  private async once(command: PaymentCommand, apply: (db: PoolClient) => Promise<KafkaReply | undefined>): Promise<KafkaReply | undefined> {
    const db = await this.pool.connect();
    try {
      await db.query('BEGIN');
      const fresh = await db.query(`INSERT INTO payment_inbox (command_id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING command_id`, [command.messageId]);
      let answer: KafkaReply | undefined;
      if (fresh.rowCount) {
        answer = await apply(db);
        await db.query(`UPDATE payment_inbox SET reply = $2 WHERE command_id = $1`, [command.messageId, answer ? JSON.stringify(answer) : null]);
      } else {
        const { rows } = await db.query<{ reply: KafkaReply | null }>(`SELECT reply FROM payment_inbox WHERE command_id = $1`, [command.messageId]);
        answer = rows[0]?.reply ?? undefined;
      }
      await db.query('COMMIT');
      return answer;
    } catch (error) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      db.release();
    }
  }

  private async record(db: PoolClient, command: PaymentCommand, outcome: string, details: Record<string, unknown>): Promise<void> {
    await db.query(`INSERT INTO payment_ledger (command_id, saga_id, order_id, outcome, details) VALUES ($1, $2, $3, $4, $5)`, [
      command.messageId,
      command.sagaId,
      command.payload.orderId,
      outcome,
      JSON.stringify(details),
    ]);
  }
}

/**
 * A reply as the wire protocol wants it, keyed by the saga id. ServerKafka
 * adds `kafka_correlationId` (the command's id), which tells Baton which
 * command it answers; Baton fills in the saga's headers from that command.
 */
function reply(command: PaymentCommand, type: string, version: number, value: Record<string, unknown>): KafkaReply {
  return {
    key: command.sagaId,
    value,
    headers: { 'message-id': randomUUID(), 'message-type': type, 'schema-version': String(version) },
  };
}
