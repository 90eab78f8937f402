import { badRequest } from '../http/problem.exception';

/**
 * The `version` query parameter of the definition routes: undefined when
 * left out (the newest), else a positive integer; a 400 problem naming it otherwise.
 */
export function definitionVersion(version: unknown): number | undefined {
  if (version === undefined) return undefined;
  if (typeof version !== 'string') {
    throw badRequest('invalid-parameter', 'version: give it once, as a single value.', { parameter: 'version' });
  }
  const number = Number(version);
  if (!/^\d+$/.test(version) || !Number.isSafeInteger(number) || number < 1) {
    throw badRequest('invalid-parameter', `version: must be a positive integer (a definition version), or left out for the newest; got "${version}".`, {
      parameter: 'version',
    });
  }
  return number;
}
