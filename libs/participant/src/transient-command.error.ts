/**
 * Thrown by a command handler that could not do its work this time (a
 * downstream service is down, say) but might next time. The handler's
 * transaction rolls back, the command is not recorded as handled, and the
 * saga gets `CommandFailed` with `transient: true`: it retries under its
 * step's policy, with the same message id.
 */
export class TransientCommandError extends Error {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(reason, options);
    this.name = 'TransientCommandError';
  }
}
