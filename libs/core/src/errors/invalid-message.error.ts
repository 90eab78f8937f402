import type { FieldIssue } from '../contracts/payload-validation';
import { describeIssues } from '../contracts/payload-validation';

/** A message whose payload fails its contract's schema. Not retryable: the same bytes fail again. */
export class InvalidMessageError extends Error {
  constructor(
    readonly messageType: string,
    readonly issues: FieldIssue[],
    context: string,
  ) {
    super(`${context}: ${messageType} payload is invalid: ${describeIssues(issues)}`);
    this.name = 'InvalidMessageError';
  }
}
