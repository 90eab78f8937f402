import { errorMessage } from '../util/error-message';
/**
 * A persisted snapshot that this definition cannot restore, typically because
 * the snapshot names a state the deployed version no longer has. The saga is
 * left as it is; deploy the version it started on, or repair the instance.
 */
export class SagaRestoreError extends Error {
  constructor(
    readonly sagaName: string,
    readonly sagaVersion: number,
    readonly sagaId: string,
    cause: unknown,
  ) {
    super(
      `Saga "${sagaName}" v${sagaVersion} instance ${sagaId} cannot be restored from its snapshot: ` +
        `${errorMessage(cause)}. ` +
        `Deploy the definition version the instance started on, or repair the instance.`,
      { cause },
    );
    this.name = 'SagaRestoreError';
  }
}
