/**
 * An instance started on a definition version this host does not have. The
 * message is left for a host that has it (or for the version to be deployed
 * again); the instance itself is untouched.
 */
export class SagaVersionUnavailableError extends Error {
  constructor(
    readonly sagaName: string,
    readonly sagaVersion: number,
    readonly sagaId: string,
    readonly available: readonly number[],
  ) {
    super(
      `Saga "${sagaName}" instance ${sagaId} runs on v${sagaVersion}, which this host does not have ` +
        `(it has ${available.length ? available.map((v) => `v${v}`).join(', ') : 'no version'}). ` +
        `Register v${sagaVersion} of the definition alongside the newer ones.`,
    );
    this.name = 'SagaVersionUnavailableError';
  }
}
