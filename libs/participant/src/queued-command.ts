import type { Span } from '@opentelemetry/api';
import type { MessageEnvelope } from '@baton/core';
import type { CommandHandler } from './command-handler';

/**
 * What became of a delivered command. 'duplicate': recorded before (its
 * recorded reply, if any, is sent again), or fenced by its compensation.
 * 'failed-transiently': answered CommandFailed (transient), not recorded.
 * 'refused': its handler refused it (CommandRefusedError), answered
 * CommandFailed (not transient) and recorded with that reply, unless it is
 * a compensation.
 */
export type CommandResult = 'handled' | 'duplicate' | 'failed-transiently' | 'refused';

/** A valid command in a ParticipantWorker's queue, waiting for the transaction of its batch. */
export interface QueuedCommand {
  envelope: MessageEnvelope;
  /** The handler of its type. */
  handler: CommandHandler<any>;
  /** Its payload, validated against the command's contract. */
  payload: unknown;
  /** The span of its handling: the batch's span links to it, its handler runs under it. */
  span?: Span;
}
