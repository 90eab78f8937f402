import type { CanActivate, ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { PROBLEM_BASE, ProblemException } from '../http/problem.exception';
import { ACCESS_METADATA, type AccessLevel } from './access.decorator';
import type { ApiKeyRing } from './api-key-ring';
import { PRINCIPAL_PROPERTY } from './baton-principal';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const BEARER = /^Bearer\s+(\S+)\s*$/i;

export interface ApiKeyGuardOptions {
  /** Whether reads need a key too. */
  protectReads: boolean;
  /**
   * Controllers guarded even without @Operator/@Reader/@Public: reads need
   * what `protectReads` says, everything else an operator key. Routes of
   * other controllers are guarded only where they carry one of the decorators.
   */
  controllers: readonly object[];
}

/**
 * Checks the API key of each request (`Authorization: Bearer <key>` or
 * `X-API-Key: <key>`) against what the route needs, and leaves the key's
 * principal on the request (see @Principal). A route of a guarded
 * controller needs an operator key unless its handler says otherwise, so a
 * POST added without a decorator is protected too. Missing and wrong keys get
 * the same 401; a reader key on a route that changes state gets a 403.
 * SagaModule registers it as an app guard (APP_GUARD).
 */
export class ApiKeyGuard implements CanActivate {
  private readonly controllers: ReadonlySet<object>;

  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeyRing,
    private readonly options: ApiKeyGuardOptions,
  ) {
    this.controllers = new Set(options.controllers);
  }

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const http = context.switchToHttp();
    const request = http.getRequest<Request>();
    const required = this.requiredAccess(context, request.method);
    if (required === undefined || required === 'public') return true;

    const presented = presentedKey(request);
    const principal = presented === undefined ? undefined : this.keys.identify(presented);
    if (!principal) throw unauthenticated(http.getResponse<Response>());
    if (required === 'operator' && principal.role !== 'operator') {
      throw new ProblemException({
        type: PROBLEM_BASE + 'forbidden',
        title: 'Forbidden',
        status: 403,
        detail: 'This request changes state and needs a key with the operator role; the key sent may only read. Send an operator key.',
      });
    }
    Object.assign(request, { [PRINCIPAL_PROPERTY]: principal });
    return true;
  }

  /** What the route needs; undefined when it is none of this guard's business. */
  private requiredAccess(context: ExecutionContext, method: string): AccessLevel | undefined {
    const onHandler = this.reflector.get<AccessLevel | undefined>(ACCESS_METADATA, context.getHandler());
    const onClass = this.reflector.get<AccessLevel | undefined>(ACCESS_METADATA, context.getClass());
    let required: AccessLevel | undefined = onHandler;
    if (required === undefined) {
      if (onClass === undefined && !this.controllers.has(context.getClass())) return undefined;
      // A controller-wide mark can make reads stricter, never changes looser: only a handler can.
      required = !READ_METHODS.has(method.toUpperCase()) || onClass === 'operator' ? 'operator' : (onClass ?? 'reader');
    }
    return required === 'reader' && !this.options.protectReads ? 'public' : required;
  }
}

/** The 401 of a missing or wrong key, the same for both, with its Bearer challenge set on `response`. */
export function unauthenticated(response: Response): ProblemException {
  response.setHeader('WWW-Authenticate', 'Bearer realm="baton"');
  return new ProblemException({
    type: PROBLEM_BASE + 'unauthenticated',
    title: 'Unauthorized',
    status: 401,
    detail:
      'This request needs a valid API key, sent as "Authorization: Bearer <key>" or "X-API-Key: <key>". ' +
      'Ask whoever runs this host for a key.',
  });
}

/** The key a request carries: `Authorization: Bearer <key>`, else `X-API-Key`. */
export function presentedKey(request: Request): string | undefined {
  const bearer = BEARER.exec(request.headers.authorization ?? '')?.[1];
  if (bearer) return bearer;
  const header = request.headers['x-api-key'];
  return typeof header === 'string' && header.trim() ? header.trim() : undefined;
}
