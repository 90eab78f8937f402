import type { NextFunction, Request, Response } from 'express';
import { PROBLEM_BASE, ProblemException } from './problem.exception';
import { sendProblem } from './problem-details.filter';

interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
  limit?: number;
}

/**
 * Express error middleware for what the JSON body parser rejects before a
 * route runs: a body its `verify` refused (not UTF-8) with that problem,
 * malformed JSON (400), a body over the limit (413), an unknown charset or
 * encoding (415), and any other client error it raises (a body that does not
 * decompress, a wrong length) with its own status. Other errors pass on.
 */
export function bodyParserErrors(error: unknown, request: Request, response: Response, next: NextFunction): void {
  if (error instanceof ProblemException) return sendProblem(response, request, error.problem);
  const { type, limit, status, expose } = (error ?? {}) as BodyParserError;
  if (type === 'entity.parse.failed') {
    return sendProblem(response, request, {
      type: PROBLEM_BASE + 'malformed-json',
      title: 'Malformed JSON',
      status: 400,
      detail: `The request body is not valid JSON: ${(error as Error).message}. Send a JSON object.`,
    });
  }
  if (type === 'entity.too.large') {
    return sendProblem(response, request, {
      type: PROBLEM_BASE + 'body-too-large',
      title: 'Request body too large',
      status: 413,
      detail: `The request body exceeds the limit of ${limit} bytes (BODY_LIMIT).`,
    });
  }
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return sendProblem(response, request, {
      type: PROBLEM_BASE + 'unsupported-encoding',
      title: 'Unsupported body encoding',
      status: 415,
      detail: `${(error as Error).message}. Send UTF-8 JSON.`,
    });
  }
  if (expose && status !== undefined && status >= 400 && status < 500) {
    return sendProblem(response, request, {
      type: PROBLEM_BASE + 'unreadable-body',
      title: 'Unreadable request body',
      status,
      detail: `${(error as Error).message}. Send the body as plain or correctly encoded UTF-8 JSON.`,
    });
  }
  next(error);
}
