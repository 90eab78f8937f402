/** What a key may do: `reader` reads; `operator` reads and changes (starts, replays, discards, ...). */
export type ApiKeyRole = 'reader' | 'operator';

/** A credential of the REST API. `name` is who holds it: history and logs record it, never the key. */
export interface ApiKey {
  name: string;
  key: string;
  role: ApiKeyRole;
}
