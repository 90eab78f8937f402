import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { finalize, tap, type Observable } from 'rxjs';
import { PROBLEM_BASE, ProblemException } from '../http/problem.exception';
import { SagaAdmission } from './saga-admission.service';

/**
 * Puts SagaAdmission in front of a start route: a refused start is answered
 * 429 with Retry-After before the handler runs; an admitted one keeps its
 * in-flight slot only if it created a saga (answered 202).
 */
@Injectable()
export class SagaAdmissionInterceptor implements NestInterceptor {
  constructor(private readonly admission: SagaAdmission) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const response = context.switchToHttp().getResponse<Response>();
    const decision = await this.admission.admit();
    if (!decision.admitted) {
      const { bound, max, retryAfterSeconds } = decision;
      response.setHeader('Retry-After', String(retryAfterSeconds));
      throw new ProblemException({
        type: PROBLEM_BASE + (bound === 'in-flight' ? 'too-many-sagas-in-flight' : 'too-many-starts'),
        title: bound === 'in-flight' ? 'Too many sagas in flight' : 'Too many saga starts',
        status: 429,
        detail:
          (bound === 'in-flight'
            ? `${max} sagas are in flight, the most this system admits, so nothing was started. `
            : `This host starts at most ${max} sagas per second, so nothing was started. `) +
          `Send the request again after ${retryAfterSeconds} s (Retry-After), with the same Idempotency-Key if it had one.`,
        retryAfter: retryAfterSeconds,
      });
    }
    const { reservation } = decision;
    return next.handle().pipe(
      tap(() => (response.statusCode === 202 ? reservation.confirm() : reservation.release())),
      // An error, or a client gone before the answer: the slot goes back (a no-op once settled).
      finalize(() => reservation.release()),
    );
  }
}
