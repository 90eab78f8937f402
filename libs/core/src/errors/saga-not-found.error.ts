/** No saga instance has this id. */
export class SagaNotFoundError extends Error {
  constructor(readonly sagaId: string) {
    super(`No saga instance has id ${sagaId}.`);
    this.name = 'SagaNotFoundError';
  }
}
