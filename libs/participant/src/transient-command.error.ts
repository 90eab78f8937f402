import { RpcException } from '@nestjs/microservices';
import type { CommandFailureError } from './command-failure';

/**
 * Thrown by a command handler that could not do its work this time (a
 * downstream service is down, say) but might next time. The handler's
 * transaction rolls back, the command is not recorded as handled, and the
 * saga gets `CommandFailed` with `transient: true`: it retries under its
 * step's policy, with the same message id.
 *
 * The same from a `@HandleCommand` method and from a `@MessagePattern`
 * handler of a BatonServer: it is an RpcException, whose error
 * (`{ status: 'error', message, commandFailure: 'transient' }`) Nest's RPC
 * exception filter passes on, so the server still recognises it.
 */
export class TransientCommandError extends RpcException {
  constructor(reason: string, options?: { cause?: unknown }) {
    super({ status: 'error', message: reason, commandFailure: 'transient' } satisfies CommandFailureError);
    this.name = 'TransientCommandError';
    if (options && 'cause' in options) this.cause = options.cause;
  }
}
