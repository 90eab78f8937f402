import { Catch, ServiceUnavailableException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';

/**
 * Answers a failed health check as Terminus means it to be: 503 with its
 * result (`status`, `info`, `error`, `details`) as the body, which names the
 * checks that failed and why. (Without it the app's problem+json filter would
 * turn the 503 into an opaque 500.)
 */
@Catch(ServiceUnavailableException)
export class HealthCheckFailedFilter implements ExceptionFilter {
  catch(error: ServiceUnavailableException, host: ArgumentsHost): void {
    host.switchToHttp().getResponse<Response>().status(503).json(error.getResponse());
  }
}
