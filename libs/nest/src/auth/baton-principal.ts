import type { ApiKeyRole } from './api-key';

/** Who sent a request: the name and role of the key it carried. */
export interface BatonPrincipal {
  name: string;
  role: ApiKeyRole;
}

/** Where ApiKeyGuard leaves the principal on the request. */
export const PRINCIPAL_PROPERTY = 'batonPrincipal';

export function principalOf(request: object): BatonPrincipal | undefined {
  return (request as { [PRINCIPAL_PROPERTY]?: BatonPrincipal })[PRINCIPAL_PROPERTY];
}

/** Who an operator action is recorded as (history rows, dead letters): `operator:<key name>`. */
export function operatorActor(principal: BatonPrincipal | undefined): string {
  return `operator:${principal?.name ?? 'anonymous'}`;
}
