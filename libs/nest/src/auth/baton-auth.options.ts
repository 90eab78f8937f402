import type { ApiKey } from './api-key';

/** Who may call SagaModule's REST API. */
export interface BatonAuthOptions {
  /**
   * The accepted keys. Without any (unset or empty), the development key
   * (`DEVELOPMENT_API_KEY`, `Bearer baton-dev-key`) is accepted, with a
   * warning at start, unless `NODE_ENV=production`, where an app that serves
   * HTTP refuses to start instead.
   * @default [] (the development key outside production)
   */
  keys?: ApiKey[];
  /**
   * Whether reads (GET) need a key too (reader or operator); changes always need an operator key.
   * @default false
   */
  protectReads?: boolean;
  /**
   * Where the app's keys come from, as the development-key warning and the
   * production error name it: an environment variable, say (the Baton host
   * passes 'API_KEYS').
   * @default 'auth.keys of SagaModule.forRoot'
   */
  keysSource?: string;
}
