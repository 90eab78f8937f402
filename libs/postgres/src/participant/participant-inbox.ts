import type { EntityManager } from 'typeorm';
import type { MessageEnvelope } from '@baton/core';
import type { NewOutboxMessage } from '../repositories/outbox.repository';
import { sql } from '../sql';
import type { WriteStatement } from '../write-statement';

/** A command about to be recorded, and the message id its reply will get if it has one. */
export interface CommandToRecord {
  readonly envelope: MessageEnvelope;
  readonly replyId: string;
}

/** What an earlier transaction recorded for a command that is here again. */
export interface RecordedCommand {
  /** The compensation that recorded the id before the command was handled here: it was never applied. */
  readonly fencedBy?: string;
  /**
   * A copy of its reply (same envelope, same message id) to send again. Unset
   * when it has none (a command that answers nothing, a fence), and while a
   * row of that reply is still unpublished: it goes out anyway.
   */
  readonly reply?: NewOutboxMessage;
}

/** The statements on participant_inbox of one participant. */
export class ParticipantInbox {
  constructor(
    /** The participant's name: its inbox rows are its own, and it is the sender of its replies. */
    readonly participant: string,
  ) {}

  /**
   * Records the commands as handled, with the id their reply will get;
   * answers the ids it recorded now. An id already there (the primary key
   * (participant, message_id)) was recorded by an earlier transaction: a
   * redelivery, or a command fenced by its compensation. ON CONFLICT DO
   * NOTHING waits for a transaction recording the same id, then leaves its
   * row. A second copy in one batch is left too.
   */
  async record(tx: EntityManager, commands: readonly CommandToRecord[]): Promise<Set<string>> {
    if (!commands.length) return new Set();
    const { rows } = await sql<{ message_id: string }>(
      tx,
      `INSERT INTO participant_inbox (participant, message_id, message_type, saga_id, reply_id)
       SELECT $1, message_id, message_type, saga_id, reply_id
         FROM jsonb_to_recordset($2::jsonb) AS v(message_id text, message_type text, saga_id uuid, reply_id uuid)
       ON CONFLICT (participant, message_id) DO NOTHING
       RETURNING message_id`,
      [
        this.participant,
        JSON.stringify(
          commands.map(({ envelope, replyId }) => ({
            message_id: envelope.messageId,
            message_type: envelope.type,
            saga_id: envelope.sagaId,
            reply_id: replyId,
          })),
        ),
      ],
      { prepared: true },
    );
    return new Set(rows.map((row) => row.message_id));
  }

  /**
   * What earlier transactions recorded for these ids: fences, and the reply
   * recorded with each handled command, to send again. One statement for all
   * the batch's redeliveries: participant_inbox by its primary key, then the
   * reply's first row, and whether any row of it (the first, or a copy sent
   * since) is still unpublished, by participant_outbox_message (message_id):
   * such a row goes out anyway, so no copy then. A CommandFailed answering a
   * transient failure is never found: no inbox row names its message id.
   */
  async recorded(tx: EntityManager, messageIds: readonly string[]): Promise<Map<string, RecordedCommand>> {
    const found = new Map<string, RecordedCommand>();
    if (!messageIds.length) return found;
    const { rows } = await sql<{ message_id: string; fenced_by: string | null; topic: string | null; envelope: MessageEnvelope | null; unpublished: boolean }>(
      tx,
      `SELECT i.message_id, i.fenced_by, first.topic, first.envelope,
              EXISTS (SELECT 1 FROM participant_outbox AS u WHERE u.message_id = i.reply_id AND u.published_at IS NULL) AS unpublished
         FROM participant_inbox AS i
         LEFT JOIN LATERAL (
              SELECT o.topic, o.envelope FROM participant_outbox AS o WHERE o.message_id = i.reply_id ORDER BY o.id LIMIT 1) AS first ON true
        WHERE i.participant = $1 AND i.message_id = ANY($2::text[])`,
      [this.participant, messageIds],
    );
    for (const row of rows) {
      found.set(row.message_id, {
        ...(row.fenced_by ? { fencedBy: row.fenced_by } : {}),
        ...(row.envelope && row.topic && !row.unpublished ? { reply: { topic: row.topic, envelope: row.envelope } } : {}),
      });
    }
    return found;
  }

  /**
   * Adds to `statement` the fence of `compensation`: the id of the command it
   * undoes is recorded for this participant, so that command, if it comes
   * now, is a duplicate and does nothing. Its output column `applied` says
   * whether the command had been handled here (a row of its own, not a
   * fence). `later`: the command is in the compensation's batch, after it,
   * and was recorded as handled with the batch: its row becomes the fence.
   *
   * ON CONFLICT DO UPDATE (changing nothing but in that case) rather than DO
   * NOTHING: it waits for a transaction handling the command right now and
   * returns the row as that one committed it, which the statement's own
   * snapshot would not show. Primary key (participant, message_id).
   */
  addFence(statement: WriteStatement, compensation: MessageEnvelope & { compensates: string }, later: boolean): void {
    const by = statement.param(compensation.messageId);
    const now = statement.param(later);
    statement
      .with(
        'fence',
        `INSERT INTO participant_inbox (participant, message_id, saga_id, fenced_by)
         VALUES (${statement.param(this.participant)}, ${statement.param(compensation.compensates)}, ${statement.param(compensation.sagaId)}::uuid, ${by})
         ON CONFLICT (participant, message_id) DO UPDATE
           SET fenced_by = CASE WHEN ${now}::boolean THEN EXCLUDED.fenced_by ELSE participant_inbox.fenced_by END,
               reply_id = CASE WHEN ${now}::boolean THEN NULL ELSE participant_inbox.reply_id END
         RETURNING fenced_by IS NULL AS applied`,
      )
      .select(`(SELECT applied FROM fence) AS applied`);
  }
}
