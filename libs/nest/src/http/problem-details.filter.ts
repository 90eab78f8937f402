import { STATUS_CODES } from 'node:http';
import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import {
  IdempotencyKeyReusedError,
  InvalidMessageError,
  SagaNotFoundError,
  SignalRejectedError,
  UnknownSagaNameError,
  UnknownSignalError,
} from '@baton/core';
import { PROBLEM_BASE, ProblemException, type Problem } from './problem.exception';

/** Maps what a request can fail with to an RFC 9457 problem document. */
export function toProblem(error: unknown): Problem | undefined {
  if (error instanceof ProblemException) return error.problem;
  if (error instanceof UnknownSagaNameError) {
    return { type: PROBLEM_BASE + 'unknown-saga', title: 'Unknown saga', status: 404, detail: error.message, known: error.known };
  }
  if (error instanceof SagaNotFoundError) {
    return { type: PROBLEM_BASE + 'saga-not-found', title: 'Saga not found', status: 404, detail: error.message };
  }
  if (error instanceof InvalidMessageError) {
    return {
      type: PROBLEM_BASE + 'invalid-input',
      title: 'Invalid saga input',
      status: 400,
      detail: `${error.issues.length} field(s) failed validation; fix them and send the request again.`,
      errors: error.issues.map((issue) => ({ field: issue.path, message: issue.message })),
    };
  }
  if (error instanceof SignalRejectedError) {
    return {
      type: PROBLEM_BASE + 'not-accepted-now',
      title: 'Not accepted in the current state',
      status: 409,
      detail: error.message,
      state: error.state,
      acceptedNow: error.acceptedNow,
    };
  }
  if (error instanceof UnknownSignalError) {
    return { type: PROBLEM_BASE + 'unknown-signal', title: 'Not a signal of this saga', status: 422, detail: error.message, signals: error.signals };
  }
  if (error instanceof IdempotencyKeyReusedError) {
    return {
      type: PROBLEM_BASE + 'idempotency-key-reused',
      title: 'Idempotency-Key reused with a different body',
      status: 422,
      detail: error.message,
      sagaId: error.existingSagaId,
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    return { type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, detail: error.message };
  }
  return undefined;
}

export function sendProblem(response: Response, request: Request, problem: Problem): void {
  response
    .status(problem.status)
    .type('application/problem+json')
    .send(JSON.stringify({ ...problem, instance: request.originalUrl }));
}

/**
 * Renders every error as `application/problem+json`. Unexpected errors are
 * logged in full and answered with a 500 that leaks nothing.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    let problem = toProblem(error);
    if (!problem || problem.status >= 500) {
      this.logger.error(`${request.method} ${request.originalUrl} failed`, error instanceof Error ? error.stack : String(error));
      problem = {
        type: 'about:blank',
        title: 'Internal server error',
        status: 500,
        detail: 'The request could not be completed; nothing was lost. The error is in the host log. Retry later.',
      };
    }
    sendProblem(response, request, problem);
  }
}
