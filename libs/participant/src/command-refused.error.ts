import { RpcException } from '@nestjs/microservices';
import type { CommandFailureError } from './command-failure';

/**
 * Thrown by a command handler that will not do what the command asks, for
 * good (the order is unknown, the amount is over the limit) and has no
 * refusal reply of its own in the saga's contracts to answer with. The
 * handler's work rolls back; the saga gets `CommandFailed` with `transient:
 * false` and this reason: a refusal, no effect (docs/wire-protocol.md,
 * "Commands and replies"). The refusal is recorded in the inbox with that
 * reply, as a handled command is: a copy of the command (a redelivery, the
 * saga's resend under the same message id) gets the same reply, and the
 * handler does not run again.
 *
 * A compensation must not refuse for good (docs/wire-protocol.md,
 * "Compensations"): one that throws this is answered the same, but nothing
 * is recorded, so the operator's retry (the same message id) runs it again.
 *
 * The same from a `@HandleCommand` method and from a `@MessagePattern`
 * handler of a BatonServer, where any other RpcException refuses too: it
 * is an RpcException whose error (`{ status: 'error', message,
 * commandFailure: 'refused' }`) Nest's RPC exception filter passes on.
 */
export class CommandRefusedError extends RpcException {
  constructor(reason: string, options?: { cause?: unknown }) {
    super({ status: 'error', message: reason, commandFailure: 'refused' } satisfies CommandFailureError);
    this.name = 'CommandRefusedError';
    if (options && 'cause' in options) this.cause = options.cause;
  }
}
