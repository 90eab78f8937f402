import type { ApiKey } from './api-key';
import type { BatonAuthOptions } from './baton-auth.options';

/**
 * The key SagaModule accepts when it is given no keys (`auth.keys` unset or
 * empty) and `NODE_ENV` is not `production`: `Authorization: Bearer
 * baton-dev-key`, role operator. It is public, so an app that serves HTTP
 * with it warns at start; with `NODE_ENV=production` and no keys, such an app
 * does not start.
 */
export const DEVELOPMENT_API_KEY: Readonly<ApiKey> = Object.freeze({ name: 'dev', key: 'baton-dev-key', role: 'operator' });

/** What the warning and the error name when the app does not say where its keys come from (`auth.keysSource`). */
export const DEFAULT_KEYS_SOURCE = 'auth.keys of SagaModule.forRoot';

/** Injection token of the module's KeysInForce. */
export const KEYS_IN_FORCE = Symbol('KEYS_IN_FORCE');

/** The keys the REST API accepts. */
export interface KeysInForce {
  keys: ApiKey[];
  /** No keys were given: the development key stands in. */
  developmentKey: boolean;
  /** Where keys are set, for the warning and the error (`auth.keysSource`). */
  source: string;
}

/** The keys of `auth`, or the development key when it gives none. */
export function keysInForce(auth: BatonAuthOptions | undefined): KeysInForce {
  const keys = auth?.keys ?? [];
  const source = auth?.keysSource ?? DEFAULT_KEYS_SOURCE;
  return keys.length > 0 ? { keys, developmentKey: false, source } : { keys: [{ ...DEVELOPMENT_API_KEY }], developmentKey: true, source };
}

/**
 * For an app that serves HTTP, when the development key stands in: the
 * warning to log, or, with `production` (`NODE_ENV=production`), an error
 * naming what to set. Nothing when keys were given.
 */
export function developmentKeyWarning({ developmentKey, source }: KeysInForce, production: boolean): string | undefined {
  if (!developmentKey) return undefined;
  const { key, role } = DEVELOPMENT_API_KEY;
  if (production) {
    throw new Error(
      `SagaModule cannot start: ${source} is unset, and NODE_ENV=production does not accept the development key. ` +
        `Set ${source} to at least one key, role reader or operator: ` +
        "SagaModule.forRoot({ ..., auth: { keys: [{ name: 'ops', key: '<secret>', role: 'operator' }] } }).",
    );
  }
  return (
    `${source} is unset: the development key "${key}" (role ${role}) is accepted, e.g. -H 'Authorization: Bearer ${key}'. ` +
    `Set ${source} before anyone else can reach this app; with NODE_ENV=production it does not start without keys.`
  );
}
