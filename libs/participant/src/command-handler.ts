import type { EntityManager } from 'typeorm';
import type { CommandContract, EventContract, MessageEnvelope, PayloadOf } from '@baton/core';

/** What a handler gets besides the payload: the transaction to do its work in, and the message headers. */
export interface CommandContext {
  /** The transaction that also records the command in the inbox and the reply in the outbox. */
  readonly tx: EntityManager;
  readonly envelope: MessageEnvelope;
  readonly participant: string;
  /**
   * Inserts `row` into `table` in this command's transaction, together with
   * the rows the other commands of its batch append: one INSERT per table
   * before the commit, instead of a round trip per command. For rows the
   * handlers do not read back in the same batch (an effect log, an audit
   * trail): they are not visible before the batch's handlers have all run,
   * except to a compensation (a command with `compensates`), which sees the
   * rows appended before it. Keys are column names; columns left out take
   * their defaults.
   */
  append(table: string, row: Record<string, unknown>): void;
  /**
   * Set on a compensation (its envelope names the command it undoes in
   * `compensates`). `applied`: that command took effect here, i.e. this
   * participant handled it, in an earlier transaction or earlier in this
   * batch (whatever its handler decided: an undo should look at what it
   * recorded). When false, it never did and now never will: its id is
   * recorded in the inbox with this command, so a copy arriving later does
   * nothing. A compensation must succeed when there is nothing to undo.
   */
  readonly compensates?: CompensatedCommand;
}

/** The command a compensation undoes, as this participant knows it. */
export interface CompensatedCommand {
  /** Its message id (the envelope's `compensates`). */
  readonly messageId: string;
  /** Whether this participant handled it before the compensation. */
  readonly applied: boolean;
}

/** A reply to send back to the saga. */
export interface Reply {
  readonly contract: EventContract;
  readonly payload: unknown;
}

/** Builds a reply, typed by its contract. */
export function reply<E extends EventContract>(contract: E, payload: PayloadOf<E>): Reply {
  return { contract, payload };
}

/**
 * Handles one command type. Returns the reply, or nothing for a command the
 * saga does not wait on (or to answer later).
 */
export interface CommandHandler<C extends CommandContract = CommandContract> {
  readonly command: C;
  handle(payload: PayloadOf<C>, context: CommandContext): Promise<Reply | void>;
}

/** A CommandHandler of `command` that runs `handle`, typed by the command's contract. */
export function handleCommand<C extends CommandContract>(
  command: C,
  handle: (payload: PayloadOf<C>, context: CommandContext) => Promise<Reply | void>,
): CommandHandler<C> {
  return { command, handle };
}
