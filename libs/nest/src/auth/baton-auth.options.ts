import type { ApiKey } from './api-key';

/** Who may call SagaModule's REST API. */
export interface BatonAuthOptions {
  /**
   * The accepted keys. With none, every request that needs a key is refused.
   * @default []
   */
  keys: ApiKey[];
  /**
   * Whether reads (GET) need a key too (reader or operator); changes always need an operator key.
   * @default false
   */
  protectReads?: boolean;
}
