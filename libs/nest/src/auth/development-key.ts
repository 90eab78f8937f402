import type { ApiKey } from './api-key';
import type { BatonAuthOptions } from './baton-auth.options';

/**
 * The key SagaModule accepts when it is given no keys (`auth.keys` unset or
 * empty) and `NODE_ENV` is not `production`: `Authorization: Bearer
 * baton-dev-key`, role operator. It is public, so a module started with it
 * warns; with `NODE_ENV=production` and no keys, the module does not start.
 */
export const DEVELOPMENT_API_KEY: Readonly<ApiKey> = Object.freeze({ name: 'dev', key: 'baton-dev-key', role: 'operator' });

/** What the warning and the error name when the app does not say where its keys come from (`auth.keysSource`). */
export const DEFAULT_KEYS_SOURCE = 'auth.keys of SagaModule.forRoot';

/** The keys the module accepts, and whether the development key stands in for missing ones. */
export interface KeysInForce {
  keys: ApiKey[];
  /** Set when no keys were given and the development key is accepted instead: what to warn about. */
  developmentKeyWarning?: string;
}

/**
 * The keys of `auth`; without any, the development key outside production,
 * and an error naming what to set in production (`production` is
 * `NODE_ENV === 'production'`).
 */
export function keysInForce(auth: BatonAuthOptions | undefined, production: boolean): KeysInForce {
  const keys = auth?.keys ?? [];
  if (keys.length > 0) return { keys };
  const source = auth?.keysSource ?? DEFAULT_KEYS_SOURCE;
  const { key, role } = DEVELOPMENT_API_KEY;
  if (production) {
    throw new Error(
      `SagaModule cannot start: ${source} is unset, and NODE_ENV=production does not accept the development key. ` +
        `Set ${source} to at least one key, role reader or operator: ` +
        "SagaModule.forRoot({ ..., auth: { keys: [{ name: 'ops', key: '<secret>', role: 'operator' }] } }).",
    );
  }
  return {
    keys: [{ ...DEVELOPMENT_API_KEY }],
    developmentKeyWarning:
      `${source} is unset: the development key "${key}" (role ${role}) is accepted, e.g. -H 'Authorization: Bearer ${key}'. ` +
      `Set ${source} before anyone else can reach this app; with NODE_ENV=production it does not start without keys.`,
  };
}
