import { MESSAGES } from '@nestjs/core/constants';
import { RpcException } from '@nestjs/microservices';
import type { Reply } from '../command-handler';
import { commandFailureIn } from '../command-failure';
import { CommandRefusedError } from '../command-refused.error';
import { TransientCommandError } from '../transient-command.error';

/**
 * What the last value a `@MessagePattern` handler emitted (after Nest's
 * interceptors) means for its command: a Reply to send, or nothing. Anything
 * else is a bug in the handler: an Error, which the transport retries and
 * then dead-letters, as for an unexpected throw.
 */
export function replyOf(value: unknown, commandType: string): Reply | undefined {
  if (value === undefined || isReply(value)) return value;
  throw new Error(
    `The @MessagePattern handler of ${commandType} returned ${describe(value)}: a command handler returns reply(Contract, payload), ` +
      'or nothing for a command the saga does not wait on.',
  );
}

/**
 * What a `@MessagePattern` handler's failure means for its command. Nest's
 * RPC exception layer sits between the handler and BatonServer: the default
 * filter (BaseRpcExceptionFilter) turns an RpcException into its
 * `getError()` (a string as `{ status: 'error', message }`), and logs any
 * other exception with its stack before turning it into
 * `{ status: 'error', message: 'Internal server error' }`. So:
 *
 * - a TransientCommandError (its error says `commandFailure: 'transient'`)
 *   becomes a TransientCommandError again: CommandFailed, transient, nothing
 *   recorded, the saga retries under the same message id;
 * - a CommandRefusedError, or any other RpcException, becomes a
 *   CommandRefusedError: CommandFailed, not transient, its reason the
 *   error's `message` (an error object without one: the object as JSON),
 *   recorded with the command so a copy gets the same answer;
 * - Nest's "Internal server error" (an unexpected exception, already logged)
 *   becomes an Error: the transport delivers the command again and, once
 *   its attempts run out, dead-letters it; nothing is answered.
 *
 * An exception filter of the app's own that lets an exception itself
 * through is read the same way (by its class); one that passes on a string
 * or an object of its own refuses the command with it. Anything else is
 * unexpected.
 */
export function commandErrorOf(failure: unknown, commandType: string): Error {
  if (failure instanceof TransientCommandError || failure instanceof CommandRefusedError) return failure;
  if (failure instanceof RpcException) return new CommandRefusedError(reasonOf(failure.getError()), { cause: failure });
  if (failure instanceof Error) return failure;
  const marked = commandFailureIn(failure);
  if (marked) return marked.commandFailure === 'transient' ? new TransientCommandError(marked.message) : new CommandRefusedError(marked.message);
  if (isNestsUnknownError(failure)) {
    return new Error(
      `The @MessagePattern handler of ${commandType} threw an unexpected exception (logged by Nest's RpcExceptionsHandler, with its stack): ` +
        'the command is delivered again, and dead-lettered once its attempts run out. ' +
        'Throw TransientCommandError to ask the saga to retry, or CommandRefusedError (or an RpcException) to refuse.',
    );
  }
  if (typeof failure === 'string' || (typeof failure === 'object' && failure !== null)) return new CommandRefusedError(reasonOf(failure));
  return new Error(`The @MessagePattern handler of ${commandType} failed with ${describe(failure)}`);
}

/** Nest's answer to an exception that is no RpcException: `{ status: 'error', message: 'Internal server error' }`, and nothing else. */
function isNestsUnknownError(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const { status, message, ...rest } = value as Record<string, unknown>;
  return status === 'error' && message === MESSAGES.UNKNOWN_EXCEPTION_MESSAGE && Object.keys(rest).length === 0;
}

/** The reason of a refusal, from an RpcException's error: its message, the string itself, or the object as JSON. */
function reasonOf(error: unknown): string {
  if (typeof error === 'string') return error;
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : describe(error);
}

function isReply(value: unknown): value is Reply {
  if (typeof value !== 'object' || value === null || !('payload' in value)) return false;
  const contract = (value as { contract?: { kind?: unknown; type?: unknown } }).contract;
  return contract?.kind === 'event' && typeof contract.type === 'string';
}

/** A value, briefly, for an error message. */
function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
