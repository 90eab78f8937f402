/** A signal the saga's current state does not accept; nothing changed. */
export class SignalRejectedError extends Error {
  constructor(
    readonly sagaId: string,
    readonly signal: string,
    readonly state: unknown,
    readonly acceptedNow: readonly string[],
  ) {
    super(
      `Saga ${sagaId} in state ${JSON.stringify(state)} does not accept ${signal} now. ` +
        (acceptedNow.length ? `It accepts: ${acceptedNow.join(', ')}.` : 'It accepts no signal in this state.'),
    );
    this.name = 'SignalRejectedError';
  }
}
