import { STATUS_CODES } from 'node:http';
import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import {
  DependencyUnavailableError,
  IdempotencyKeyReusedError,
  InvalidMessageError,
  SagaNotFoundError,
  SignalRejectedError,
  UnknownSagaNameError,
  UnknownSignalError,
} from '@baton/core';
import { databaseUnavailable } from '@baton/postgres';
import { PROBLEM_BASE, ProblemException, type Problem } from './problem.exception';

/**
 * A dependency that does not answer (the database restarting, say) is the
 * server's momentary problem, not the request's: 503 with Retry-After, never
 * a 500. Recognises the database driver's own errors too, wherever a request
 * reached the database (a read, admission's count, a step).
 */
function unavailableProblem(error: DependencyUnavailableError): Problem {
  const retryAfter = Math.max(1, Math.ceil(error.retryAfterMs / 1000));
  const database = error.dependency === 'the database';
  return {
    type: PROBLEM_BASE + (database ? 'database-unavailable' : 'dependency-unavailable'),
    title: database ? 'Database unavailable' : 'Dependency unavailable',
    status: 503,
    detail:
      `The request could not be completed: ${error.dependency} is unavailable right now (restarting or unreachable). ` +
      `Send it again after ${retryAfter} s (Retry-After); send a start again with the same Idempotency-Key, ` +
      'so that it returns the saga it may already have created instead of starting a second one. /health/ready says when it is back.',
    retryAfter,
  };
}

/** Maps what a request can fail with to an RFC 9457 problem document. */
export function toProblem(error: unknown): Problem | undefined {
  if (error instanceof ProblemException) return error.problem;
  const unavailable = databaseUnavailable(error);
  if (unavailable) return unavailableProblem(unavailable);
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

/** Sends `problem`; one with `retryAfter` (seconds: 429, 503) carries it in a Retry-After header too. */
export function sendProblem(response: Response, request: Request, problem: Problem): void {
  if (typeof problem.retryAfter === 'number') response.setHeader('Retry-After', String(problem.retryAfter));
  response
    .status(problem.status)
    .type('application/problem+json')
    .send(JSON.stringify({ ...problem, instance: request.originalUrl }));
}

/**
 * Renders every error of an HTTP request as `application/problem+json`.
 * Unexpected errors are logged in full and answered with a 500 that leaks
 * nothing. SagaModule registers it for the whole app (APP_FILTER); errors
 * outside HTTP (a microservice's, say) pass on untouched.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');
  /** When a 503 for an unavailable dependency was last logged: during an outage, once a while is enough. */
  private unavailableLoggedAt = Number.NEGATIVE_INFINITY;

  catch(error: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    let problem = toProblem(error);
    if (problem?.status === 503) {
      this.logUnavailable(request, error);
    } else if (!problem || problem.status >= 500) {
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

  private logUnavailable(request: Request, error: unknown): void {
    const now = Date.now();
    if (now - this.unavailableLoggedAt < UNAVAILABLE_LOG_INTERVAL_MS) return;
    this.unavailableLoggedAt = now;
    this.logger.warn(
      `${request.method} ${request.originalUrl} answered 503 (and others like it for the next ${UNAVAILABLE_LOG_INTERVAL_MS / 1000} s): ` +
        `${databaseUnavailable(error)?.message ?? String(error)}`,
    );
  }
}

const UNAVAILABLE_LOG_INTERVAL_MS = 10_000;
