import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMPATIBILITY_MODES, type CompatibilityMode } from '@baton/core';
import { UsageError } from '../command';
import type { ContractSnapshot } from './contract-snapshot';
import { stableJson } from './stable-json';

/** `ReserveStock.v1.json`: one file per contract and version. */
export const snapshotFileName = (type: string, version: number) => `${type}.v${version}.json`;

const FILE_NAME = /^([A-Z][A-Za-z0-9]*)\.v([1-9][0-9]*)\.json$/;

/** A snapshot file's text: sorted keys, two spaces, a trailing newline, so the same contract is the same text. */
export const snapshotText = (snapshot: ContractSnapshot) => stableJson(snapshot);

/** The snapshot file `name` as read, checked against its name. */
function parseSnapshot(dir: string, name: string, type: string, version: number): ContractSnapshot {
  const path = join(dir, name);
  let parsed: any;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`${path} is not JSON (${error instanceof Error ? error.message : String(error)}); restore it from version control or run baton contracts snapshot`);
  }
  const problems = [
    parsed?.type !== type && `"type" is not "${type}"`,
    parsed?.version !== version && `"version" is not ${version}`,
    parsed?.kind !== 'command' && parsed?.kind !== 'event' && '"kind" is neither "command" nor "event"',
    parsed?.kind === 'command' && typeof parsed?.participant !== 'string' && 'a command names no "participant"',
    !COMPATIBILITY_MODES.includes(parsed?.compatibility as CompatibilityMode) && `"compatibility" is not one of ${COMPATIBILITY_MODES.join(', ')}`,
    typeof parsed?.schema !== 'object' && typeof parsed?.schema !== 'boolean' && '"schema" is not a JSON Schema',
    parsed?.kind === 'command' && typeof parsed?.written !== 'object' && typeof parsed?.written !== 'boolean' && 'a command has no "written" JSON Schema',
  ].filter(Boolean);
  if (problems.length) throw new UsageError(`${path} is not a contract snapshot: ${problems.join('; ')}`);
  return parsed as ContractSnapshot;
}

/** What a snapshot folder holds: whether it exists, and every snapshot in it, by type then version. */
export interface SnapshotFolder {
  readonly dir: string;
  readonly exists: boolean;
  readonly snapshots: readonly ContractSnapshot[];
}

/**
 * Reads the snapshot files of `dir` (absolute): every `<Type>.v<N>.json`,
 * sorted by type and version. Other files are left alone; a `.json` file
 * with another name, or one that is not a snapshot, is a UsageError.
 */
export function readSnapshotFolder(dir: string): SnapshotFolder {
  if (!existsSync(dir)) return { dir, exists: false, snapshots: [] };
  const snapshots: ContractSnapshot[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.json')) continue;
    const match = FILE_NAME.exec(name);
    if (!match) throw new UsageError(`${join(dir, name)} is not named <Type>.v<version>.json; a contract snapshot folder holds only those`);
    snapshots.push(parseSnapshot(dir, name, match[1], Number(match[2])));
  }
  snapshots.sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : a.version - b.version));
  return { dir, exists: true, snapshots };
}

/** Writes each snapshot to `dir` (made if missing); answers the file names written and those already up to date. */
export function writeSnapshotFolder(dir: string, snapshots: readonly ContractSnapshot[]): { written: string[]; unchanged: string[] } {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const unchanged: string[] = [];
  for (const snapshot of snapshots) {
    const name = snapshotFileName(snapshot.type, snapshot.version);
    const path = join(dir, name);
    const text = snapshotText(snapshot);
    if (existsSync(path) && readFileSync(path, 'utf8') === text) {
      unchanged.push(name);
      continue;
    }
    writeFileSync(path, text);
    written.push(name);
  }
  return { written, unchanged };
}
