import { HttpException } from '@nestjs/common';

/** The fields of an RFC 9457 problem document (`application/problem+json`). */
export interface Problem {
  /** A URI reference that names the kind of problem. */
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  /** Extension members, e.g. `errors` for validation failures. */
  [extension: string]: unknown;
}

type ProblemBody = Pick<Problem, 'type' | 'title' | 'status' | 'detail'> & Record<string, unknown>;

/** Thrown by controllers for input they refuse; rendered as problem+json. */
export class ProblemException extends HttpException {
  constructor(readonly problem: ProblemBody) {
    super(problem, problem.status);
  }
}

export const PROBLEM_BASE = 'https://baton.dev/problems/';

export function badRequest(type: string, detail: string, extensions: Record<string, unknown> = {}): ProblemException {
  return new ProblemException({ type: PROBLEM_BASE + type, title: 'Bad request', status: 400, detail, ...extensions });
}
