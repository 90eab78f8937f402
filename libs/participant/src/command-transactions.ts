import {
  BatchItemFailed,
  logContextOf,
  uuidv7,
  withLogContext,
  type BatonLogger,
  type MessageEnvelope,
  type Settled,
} from '@baton/core';
import {
  afterCommit,
  databaseUnavailable,
  type NewOutboxMessage,
  type OutboxRelay,
  type OutboxWritten,
  type ParticipantStore,
  type ParticipantUnitOfWork,
} from '@baton/postgres';
import { inBatchSpan, withSpan } from '@baton/tracing';
import type { CompensatedCommand } from './command-handler';
import type { CommandResult, QueuedCommand } from './queued-command';
import type { ReplyBuilder } from './reply-builder';
import { CommandRefusedError } from './command-refused.error';
import { TransientCommandError } from './transient-command.error';

/** A command that names the command it undoes. */
type Compensation = MessageEnvelope & { compensates: string };

/** What one transaction of a batch has found out about its commands so far. */
interface BatchState {
  /** The id each command's reply gets, recorded with it in the inbox. */
  replyIds: Map<string, string>;
  /** Commands recorded by this transaction and not handled yet. */
  fresh: Set<string>;
  /** Commands of this batch fenced by a compensation that came before them in it, with its id. */
  fencedHere: Map<string, string>;
  /** The replies to write, in the batch's order. */
  replies: NewOutboxMessage[];
}

/**
 * The transactions in which one participant handles its commands, for the
 * BatchQueue of its ParticipantWorker: `run` handles a batch in one
 * transaction, `failedAlone` answers a command whose handler threw.
 *
 * In a batch's transaction, one statement records every command in the
 * inbox; each command recorded now runs its handler in turn on that
 * transaction; one INSERT per table writes the rows they appended, and one
 * statement writes all the replies to the outbox. The relay publishes them
 * once the transaction committed.
 *
 * A command recorded before (a redelivery, or the saga's retry under the
 * same message id) is not handled again, but answered again: the reply
 * recorded with it, a copy of its envelope under the same message id (the
 * orchestrator's inbox dedupes it), goes to the outbox in the batch's
 * transaction, in the batch's order. So a retry recovers a reply that was
 * lost or late. One statement per batch that has such commands finds their
 * replies; a batch without them pays nothing.
 *
 * A compensation (`compensates` in its envelope: the id of the command it
 * undoes) records that id in the inbox before its handler runs: the command,
 * if it has not come yet, is fenced and will do nothing when it does. The
 * handler learns whether the command was applied (CommandContext.compensates).
 */
export class CommandTransactions {
  constructor(
    private readonly participant: string,
    private readonly store: ParticipantStore,
    private readonly relay: OutboxRelay,
    private readonly replies: ReplyBuilder,
    private readonly logger: BatonLogger,
  ) {}

  /**
   * Handles `commands` in one transaction and, once it committed, hands
   * their replies to the relay. A handler that throws rolls the transaction
   * back and is named to the queue (BatchItemFailed), which handles the
   * others again without it and answers it with `failedAlone`.
   */
  async run(commands: QueuedCommand[]): Promise<Array<Settled<CommandResult>>> {
    const { results, written } = await inBatchSpan(
      `handle.batch ${this.participant}`,
      commands.map((command) => command.span),
      () => this.store.transaction((unit) => this.handleAll(unit, commands)),
    );
    afterCommit(this.relay, written);
    return results.map((value) => ({ ok: true, value }));
  }

  /**
   * A command that failed on its own, its handler's work rolled back, in a
   * transaction of its own:
   * - TransientCommandError: answered CommandFailed (transient); the command
   *   stays unrecorded, so the saga's retry (same id) runs it again.
   * - CommandRefusedError: answered CommandFailed (not transient) and
   *   recorded with that reply, as a handled command is, so a copy gets the
   *   same answer; a compensation's refusal is answered but not recorded
   *   (see `refused`).
   * - Any other error asks the transport to redeliver the command (a broker
   *   transport dead-letters it after its attempts); a handler's own query
   *   that found the database down says so (DependencyUnavailableError), so
   *   the transport waits for it instead of counting an attempt.
   */
  async failedAlone(command: QueuedCommand, error: unknown): Promise<CommandResult> {
    if (error instanceof TransientCommandError) return this.failedTransiently(command, error.message);
    if (error instanceof CommandRefusedError) return this.refused(command, error.message);
    throw databaseUnavailable(error) ?? error;
  }

  /** Answers CommandFailed (transient), recording nothing. */
  private failedTransiently(command: QueuedCommand, reason: string): Promise<CommandResult> {
    const { envelope } = command;
    return withLogContext(logContextOf(envelope), () =>
      withSpan(command.span, async () => {
        this.logger.warn(`${this.participant}: ${envelope.type} ${envelope.messageId} failed transiently: ${reason}`);
        const reply = this.replies.transientFailure(envelope, reason);
        afterCommit(this.relay, await this.store.transaction((unit) => unit.write([reply], this.relay.leaseMs)));
        return 'failed-transiently' as const;
      }),
    );
  }

  /**
   * Answers CommandFailed (not transient) and records the command with that
   * reply in one transaction: a copy of it is then a duplicate, answered
   * with this reply (docs/wire-protocol.md, "What a participant must do").
   * If another transaction recorded it since its batch rolled back (a
   * replica it was redelivered to, say), it is that duplicate now.
   *
   * A compensation is answered but not recorded: it must not refuse for
   * good, and the operator's retry of a refused compensation resends it
   * under the same message id, which must run it again
   * (docs/wire-protocol.md, "Compensations"). Its fence rolled back with its
   * work: it had no effect.
   */
  private refused(command: QueuedCommand, reason: string): Promise<CommandResult> {
    const { envelope } = command;
    return withLogContext(logContextOf(envelope), () =>
      withSpan(command.span, async () => {
        this.logger.warn(`${this.participant}: ${envelope.type} ${envelope.messageId} refused: ${reason}`);
        const { result, written } = await this.store.transaction(async (unit) => {
          if (envelope.compensates) {
            return { result: 'refused' as const, written: await unit.write([this.replies.refusal(envelope, reason)], this.relay.leaseMs) };
          }
          const replyId = uuidv7();
          const fresh = await unit.record([{ envelope, replyId }]);
          if (fresh.has(envelope.messageId)) {
            return { result: 'refused' as const, written: await unit.write([this.replies.refusal(envelope, reason, replyId)], this.relay.leaseMs) };
          }
          const earlier = (await unit.recorded([envelope.messageId])).get(envelope.messageId);
          this.logFenced(envelope, earlier?.fencedBy);
          return { result: 'duplicate' as const, written: await unit.write(earlier?.reply ? [earlier.reply] : [], this.relay.leaseMs) };
        });
        afterCommit(this.relay, written);
        return result;
      }),
    );
  }

  /** A batch's transaction: records the commands, handles those recorded now in order, writes the replies. */
  private async handleAll(unit: ParticipantUnitOfWork, commands: QueuedCommand[]): Promise<{ results: CommandResult[]; written: OutboxWritten }> {
    const replyIds = new Map(commands.map(({ envelope }) => [envelope.messageId, uuidv7()]));
    // Recorded now, not handled yet.
    const fresh = await unit.record(commands.map(({ envelope }) => ({ envelope, replyId: replyIds.get(envelope.messageId)! })));
    // Recorded by an earlier transaction (a second copy of a command recorded now is not): its reply is sent again.
    const recorded = await unit.recorded([...replyIds.keys()].filter((id) => !fresh.has(id)));
    const batch: BatchState = { replyIds, fresh, fencedHere: new Map(), replies: [] };
    const results: CommandResult[] = [];
    for (const [index, command] of commands.entries()) {
      const { envelope } = command;
      if (!fresh.delete(envelope.messageId)) {
        const earlier = recorded.get(envelope.messageId);
        // A second copy of it later in the batch is answered by this one.
        recorded.delete(envelope.messageId);
        if (earlier?.reply) batch.replies.push(earlier.reply);
        this.logFenced(envelope, earlier?.fencedBy ?? batch.fencedHere.get(envelope.messageId));
        results.push('duplicate');
        continue;
      }
      await withLogContext(logContextOf(envelope), () =>
        withSpan(command.span, async () => {
          try {
            await this.handleOne(unit, command, batch);
          } catch (error) {
            throw new BatchItemFailed(index, error);
          }
        }),
      );
      results.push('handled');
    }
    return { results, written: await unit.write(batch.replies, this.relay.leaseMs) };
  }

  /** Runs the handler of a command recorded now, fencing first what a compensation undoes; its reply joins the batch's. */
  private async handleOne(unit: ParticipantUnitOfWork, { envelope, handler, payload }: QueuedCommand, batch: BatchState): Promise<void> {
    let compensates: CompensatedCommand | undefined;
    if (envelope.compensates) {
      // The command it undoes, later in this batch: recorded above, it must not run now.
      const later = batch.fresh.delete(envelope.compensates);
      if (later) batch.fencedHere.set(envelope.compensates, envelope.messageId);
      // The rows appended by the batch's earlier commands go in the same statement, so the handler reads them.
      compensates = { messageId: envelope.compensates, applied: await unit.fence(envelope as Compensation, later) };
    }
    const answer = await handler.handle(payload, {
      tx: unit.tx,
      envelope,
      participant: this.participant,
      append: (table, row) => unit.append(table, row),
      ...(compensates ? { compensates } : {}),
    });
    if (answer) batch.replies.push(this.replies.to(envelope, answer.contract, answer.payload, batch.replyIds.get(envelope.messageId)));
  }

  /** Logs that a command does nothing because its compensation came first, if it did. */
  private logFenced(envelope: MessageEnvelope, fencedBy: string | undefined): void {
    if (!fencedBy) return;
    withLogContext(logContextOf(envelope), () =>
      this.logger.log(`${this.participant}: ${envelope.type} ${envelope.messageId} does nothing: its compensation ${fencedBy} came first`),
    );
  }
}
