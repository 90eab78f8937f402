/** A message type that is not one of the saga's signals (operators may not forge participant replies). */
export class UnknownSignalError extends Error {
  constructor(
    readonly sagaName: string,
    readonly signal: string,
    readonly signals: readonly string[],
  ) {
    super(`"${signal}" is not a signal of saga "${sagaName}"; its signals are: ${signals.join(', ') || '(none)'}.`);
    this.name = 'UnknownSignalError';
  }
}
