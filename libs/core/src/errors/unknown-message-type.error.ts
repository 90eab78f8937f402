/** A message whose type the saga's contracts do not declare. Not retryable. */
export class UnknownMessageTypeError extends Error {
  constructor(
    readonly messageType: string,
    readonly sagaName: string,
    readonly sagaVersion: number,
    known: readonly string[],
  ) {
    super(
      `Saga "${sagaName}" v${sagaVersion} declares no message type "${messageType}"; it accepts: ${known.join(', ') || '(none)'}.`,
    );
    this.name = 'UnknownMessageTypeError';
  }
}
