// The environment settings of bench:peers and of the DBOS app it runs (copied
// beside it into the cache folder, so both read them alike).
import process from 'node:process';

/** A positive integer from the environment, or `fallback` when unset. */
export function integer(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${raw}".`);
  return value;
}
