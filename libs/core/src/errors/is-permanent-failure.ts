import { InvalidMessageError } from './invalid-message.error';
import { SagaNotFoundError } from './saga-not-found.error';
import { SagaRestoreError } from './saga-restore.error';
import { SagaStepError } from './saga-step.error';
import { SagaVersionUnavailableError } from './saga-version-unavailable.error';
import { UnknownMessageTypeError } from './unknown-message-type.error';

/**
 * Whether a message that failed with `error` would fail the same way every
 * time (bad payload, unknown type or saga, a definition that cannot handle
 * it). Such a message becomes a dead letter at once; anything else (the
 * database went away) is retried.
 */
export function isPermanentFailure(error: unknown): boolean {
  return (
    error instanceof InvalidMessageError ||
    error instanceof UnknownMessageTypeError ||
    error instanceof SagaNotFoundError ||
    error instanceof SagaRestoreError ||
    error instanceof SagaStepError ||
    error instanceof SagaVersionUnavailableError
  );
}
