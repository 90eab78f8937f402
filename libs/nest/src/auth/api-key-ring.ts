import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiKey } from './api-key';
import type { BatonPrincipal } from './baton-principal';

const ROLES = new Set(['reader', 'operator']);
const NAME = /^[A-Za-z0-9._-]+$/;

const digest = (key: string) => createHash('sha256').update(key, 'utf8').digest();

/**
 * The keys the REST API accepts. A presented key is hashed and compared with
 * the hash of every accepted key by `timingSafeEqual`, without stopping at a
 * match: how long a lookup takes says nothing about which key matched, or
 * how much of a wrong key was right.
 */
export class ApiKeyRing {
  private readonly entries: ReadonlyArray<{ digest: Buffer; principal: BatonPrincipal }>;

  /** Throws for a key list that cannot be used as given; the message names keys by name, never by value. */
  constructor(keys: readonly ApiKey[]) {
    const problems: string[] = [];
    const names = new Set<string>();
    const digests = new Set<string>();
    keys.forEach(({ name, key, role }, i) => {
      const which = `key ${i + 1}${typeof name === 'string' && name ? ` ("${name}")` : ''}`;
      if (typeof name !== 'string' || !NAME.test(name)) problems.push(`${which}: name must be letters, digits, '.', '_' or '-'`);
      else if (names.has(name)) problems.push(`${which}: the name is used by another key`);
      names.add(name);
      if (typeof key !== 'string' || key.length === 0) problems.push(`${which}: key must be a non-empty string`);
      else if (digests.has(digest(key).toString('hex'))) problems.push(`${which}: the same key is given to another name`);
      else digests.add(digest(key).toString('hex'));
      if (!ROLES.has(role)) problems.push(`${which}: role must be reader or operator`);
    });
    if (problems.length) throw new Error(`SagaModule auth.keys cannot be used: ${problems.join('; ')}.`);
    this.entries = keys.map(({ name, key, role }) => ({ digest: digest(key), principal: { name, role } }));
  }

  get size(): number {
    return this.entries.length;
  }

  /** Whose key this is, or undefined for a key nobody was given. */
  identify(presented: string): BatonPrincipal | undefined {
    const candidate = digest(presented);
    let found: BatonPrincipal | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(candidate, entry.digest)) found ??= entry.principal;
    }
    return found;
  }
}
