/**
 * What a TransientCommandError or a CommandRefusedError carries as its
 * RpcException error (`getError()`): Nest's RPC exception filter passes that
 * object on as it is, so BatonServer still knows, after the filter, which
 * failure a `@MessagePattern` handler threw.
 */
export interface CommandFailureError {
  readonly status: 'error';
  /** The reason, the `reason` of the CommandFailed that answers the command. */
  readonly message: string;
  /** 'transient': try again later; 'refused': the participant will not do it (see docs/wire-protocol.md, "Commands and replies"). */
  readonly commandFailure: 'transient' | 'refused';
}

/** The CommandFailureError in `value` (what Nest's RPC exception filter let through), if it is one. */
export function commandFailureIn(value: unknown): CommandFailureError | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { commandFailure, message } = value as Partial<CommandFailureError>;
  return (commandFailure === 'transient' || commandFailure === 'refused') && typeof message === 'string'
    ? (value as CommandFailureError)
    : undefined;
}
