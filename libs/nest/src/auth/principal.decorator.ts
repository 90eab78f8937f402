import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { principalOf } from './baton-principal';

/**
 * The BatonPrincipal of the request (the key's name and role), or undefined
 * on a route that needs no key. `@Principal() principal?: BatonPrincipal`.
 */
export const Principal = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  principalOf(context.switchToHttp().getRequest()),
);
