import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../command';

/** The snapshot folder when neither --dir nor package.json names one. */
export const DEFAULT_SNAPSHOT_DIR = 'contract-schemas';

/**
 * The snapshot folder, absolute: `given` (--dir), else
 * `"baton": { "contractSnapshots": "..." }` in the package.json of `cwd`,
 * else `contract-schemas`; relative paths are relative to `cwd`.
 */
export function snapshotDir(cwd: string, given?: string): string {
  if (given !== undefined) return resolve(cwd, given);
  const manifest = join(cwd, 'package.json');
  if (existsSync(manifest)) {
    let configured: unknown;
    try {
      configured = (JSON.parse(readFileSync(manifest, 'utf8')) as { baton?: { contractSnapshots?: unknown } }).baton?.contractSnapshots;
    } catch (error) {
      throw new UsageError(`${manifest} is not JSON (${error instanceof Error ? error.message : String(error)})`);
    }
    if (configured !== undefined) {
      if (typeof configured !== 'string' || !configured) throw new UsageError(`"baton": { "contractSnapshots" } in ${manifest} must be a folder path`);
      return resolve(cwd, configured);
    }
  }
  return resolve(cwd, DEFAULT_SNAPSHOT_DIR);
}
