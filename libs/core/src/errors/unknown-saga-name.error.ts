/** No saga definition is registered under this name. */
export class UnknownSagaNameError extends Error {
  constructor(
    readonly sagaName: string,
    readonly known: readonly string[],
  ) {
    super(`No saga is defined with name "${sagaName}". Defined sagas: ${known.join(', ') || '(none)'}.`);
    this.name = 'UnknownSagaNameError';
  }
}
