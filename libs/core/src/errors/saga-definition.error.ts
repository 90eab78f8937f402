/** A saga definition that cannot be used as written. Raised when it is defined or registered. */
export class SagaDefinitionError extends Error {
  constructor(
    readonly sagaName: string,
    readonly sagaVersion: number | undefined,
    problem: string,
  ) {
    super(`Saga "${sagaName}"${sagaVersion === undefined ? '' : ` v${sagaVersion}`}: ${problem}`);
    this.name = 'SagaDefinitionError';
  }
}
