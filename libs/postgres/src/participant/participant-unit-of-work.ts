import type { EntityManager } from 'typeorm';
import type { MessageEnvelope } from '@baton/core';
import type { NewOutboxMessage, OutboxRepository, OutboxWritten } from '../repositories/outbox.repository';
import { WriteStatement } from '../write-statement';
import { AppendedRows } from './appended-rows';
import type { CommandToRecord, ParticipantInbox, RecordedCommand } from './participant-inbox';

/**
 * One transaction of one participant (opened by ParticipantStore.transaction):
 * the inbox, the rows its handlers append, the fences of its compensations
 * and its replies, written in as few statements as the participant worker's
 * protocol allows. The handlers do their own work in `tx`.
 *
 * The worker's round trips per transaction: `record` (one statement for all
 * the commands, with the BEGIN), `recorded` (only when some were recorded
 * before), `fence` (one per compensation), `write` (one, with the COMMIT;
 * when there is nothing to write, the COMMIT alone), plus the handlers' own.
 */
export class ParticipantUnitOfWork {
  private readonly appended = new AppendedRows();

  constructor(
    /** The transaction: the inbox and outbox statements run in it, and so does the handlers' work. */
    readonly tx: EntityManager,
    private readonly inbox: ParticipantInbox,
    private readonly outbox: OutboxRepository,
  ) {}

  /**
   * Records the commands in the participant's inbox as handled, with the id
   * their reply will get; answers the message ids recorded now. The others
   * were recorded by an earlier transaction (see `recorded`), or are a second
   * copy in the same call. See ParticipantInbox.record.
   */
  record(commands: readonly CommandToRecord[]): Promise<Set<string>> {
    return this.inbox.record(this.tx, commands);
  }

  /**
   * What earlier transactions recorded for these message ids: the fence of a
   * compensation, or the reply to send again. One statement for all of them.
   * See ParticipantInbox.recorded.
   */
  recorded(messageIds: readonly string[]): Promise<Map<string, RecordedCommand>> {
    return this.inbox.recorded(this.tx, messageIds);
  }

  /**
   * Holds `row` for `table` until the next statement of this transaction
   * (`fence` or `write`), which inserts the rows held, one INSERT per table.
   * Throws at once if a name is not a plain SQL identifier (a table may be
   * schema.table) or the row has no columns.
   */
  append(table: string, row: Record<string, unknown>): void {
    this.appended.add(table, row);
  }

  /**
   * Before a compensation's handler: records the fence of the command it
   * undoes (see ParticipantInbox.addFence; `later`: that command is later in
   * this transaction and was recorded by `record` with it) and answers whether
   * that command was applied here. The rows appended so far go in the same
   * statement, so the compensation's handler reads them like any other
   * effect. One round trip.
   */
  async fence(compensation: MessageEnvelope & { compensates: string }, later: boolean): Promise<boolean> {
    const statement = new WriteStatement();
    this.appended.addTo(statement);
    this.inbox.addFence(statement, compensation, later);
    const { applied } = await statement.run<{ applied: boolean }>(this.tx);
    return applied;
  }

  /**
   * Writes the rows appended since the last statement and `replies`, in
   * order, to participant_outbox, in one statement (none when there is
   * nothing to write), as this participant's (their order is kept among its
   * own replies to each saga, not behind another participant's). With
   * `leaseMs` (the relay's), replies that can go out at once are written
   * leased to this process's relay: hand them to it after the commit
   * (OutboxRelay.handOff), and wake it for the others (see
   * OutboxRepository.addInsert). The transaction's last statement: it
   * carries the COMMIT (see ParticipantStore.transaction).
   */
  async write(replies: readonly NewOutboxMessage[], leaseMs: number | undefined): Promise<OutboxWritten> {
    const statement = new WriteStatement();
    this.appended.addTo(statement);
    this.outbox.addInsert(statement, replies, leaseMs, this.inbox.participant);
    return this.outbox.written(replies, statement.empty ? undefined : await statement.run(this.tx, { last: true }));
  }
}
