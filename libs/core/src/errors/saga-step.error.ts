/**
 * A transition that could not be computed: an action threw, or recorded an
 * effect the saga's contracts do not allow. Nothing of the step is persisted.
 */
export class SagaStepError extends Error {
  constructor(
    readonly sagaName: string,
    readonly sagaVersion: number,
    readonly sagaId: string,
    readonly eventType: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`Saga "${sagaName}" v${sagaVersion} instance ${sagaId}, handling ${eventType}: ${problem}`, options);
    this.name = 'SagaStepError';
  }
}
