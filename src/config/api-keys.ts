import { z } from 'zod';
import type { ApiKey } from '@baton/nest';

const KEY_NAME = /^[A-Za-z0-9._-]+$/;
const KEY = /^[\x21-\x7e]+$/;

/**
 * API_KEYS: `name:key:role` entries separated by commas. Its problems name an
 * entry by its position and name, never by its key (the variable is declared
 * secret, so they follow its name: `API_KEYS entry 2: ...`).
 */
export const apiKeys = z.string().transform((value, context): ApiKey[] => {
  const problem = (message: string) => context.addIssue({ code: 'custom', message });
  const keys = value.split(',').map((entry, i): ApiKey => {
    const [name = '', key = '', role = '', ...rest] = entry.trim().split(':');
    // Named only when it has three parts: a lone word may well be a key.
    const which = `entry ${i + 1}${KEY_NAME.test(name) && role ? ` ("${name}")` : ''}`;
    if (rest.length || !KEY_NAME.test(name) || !KEY.test(key) || (role !== 'reader' && role !== 'operator')) {
      problem(
        `${which}: must be name:key:role, the name of letters, digits, '.', '_' or '-', ` +
          `the key of visible characters without ':' or ',', the role reader or operator`,
      );
    }
    return { name, key, role: role as ApiKey['role'] };
  });
  keys.forEach((entry, i) => {
    const earlier = keys.findIndex((other) => other.name === entry.name || other.key === entry.key);
    if (earlier < i) problem(`entry ${i + 1}: has the same ${keys[earlier].name === entry.name ? 'name' : 'key'} as entry ${earlier + 1}`);
  });
  return keys;
});
