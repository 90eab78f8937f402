import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SagaDefinition } from '@baton/core';
import { UsageError } from './command';

/** Whether `value` is a saga definition (as `defineSaga` returns it; checked by shape, so any copy of @baton/core will do). */
export function isSagaDefinition(value: unknown): value is SagaDefinition {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<SagaDefinition>;
  return (
    typeof candidate.name === 'string' &&
    typeof candidate.version === 'number' &&
    candidate.commands instanceof Map &&
    candidate.events instanceof Map &&
    candidate.steps instanceof Map &&
    typeof candidate.machine === 'object'
  );
}

/** A factory of a saga that needs no argument, by its name: `createOrderFulfillmentSaga`. */
const FACTORY = /^create\w*Saga$/;

/**
 * The saga definitions a module exports: each export that is one, an array
 * of them, or a function named `create...Saga` that needs no argument
 * (called with none, so it uses its defaults).
 */
export function sagasOf(exports: Record<string, unknown>): SagaDefinition[] {
  const found: SagaDefinition[] = [];
  for (const [name, value] of Object.entries(exports)) {
    if (isSagaDefinition(value)) found.push(value);
    else if (Array.isArray(value)) found.push(...value.filter(isSagaDefinition));
    else if (typeof value === 'function' && FACTORY.test(name) && value.length === 0) {
      const made = (value as () => unknown)();
      if (isSagaDefinition(made)) found.push(made);
    }
  }
  return found;
}

/**
 * Loads the modules at `paths` (files, or directories with an index; none:
 * those package.json in `cwd` lists under `baton.sagas`;
 * TypeScript through tsx, which the `baton` command registers) and answers
 * the saga definitions they export, one per name and version, in the order
 * found. Throws a UsageError naming a path that does not exist or a module
 * that exports no saga.
 */
export function loadSagas(paths: readonly string[], cwd: string): SagaDefinition[] {
  paths = paths.length ? paths : configuredSagaPaths(cwd);
  if (!paths.length) {
    throw new UsageError(
      'name the modules that export your sagas (e.g. baton lint src/sagas), or list them once in package.json: "baton": { "sagas": ["src/sagas"] }',
    );
  }
  const byKey = new Map<string, SagaDefinition>();
  for (const path of paths) {
    const absolute = resolve(cwd, path);
    if (!existsSync(absolute)) throw new UsageError(`${path} does not exist`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const exports = require(absolute) as Record<string, unknown>;
    const sagas = sagasOf(exports);
    if (!sagas.length) {
      throw new UsageError(
        `${path} exports no saga: export the value defineSaga returns (or an array of them, or a create...Saga() factory that needs no argument); it exports ${Object.keys(exports).join(', ') || 'nothing'}`,
      );
    }
    for (const saga of sagas) byKey.set(`${saga.name}@${saga.version}`, saga);
  }
  return [...byKey.values()];
}

/** What the package.json in `cwd` says of Baton (`"baton": { ... }`), if anything. */
export function batonSettings(cwd: string): { sagas?: unknown; [key: string]: unknown } {
  const manifest = resolve(cwd, 'package.json');
  if (!existsSync(manifest)) return {};
  const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { baton?: unknown };
  return typeof parsed.baton === 'object' && parsed.baton !== null ? (parsed.baton as Record<string, unknown>) : {};
}

/** The saga modules package.json lists under `baton.sagas`; a list that is not one of strings is a UsageError. */
function configuredSagaPaths(cwd: string): string[] {
  const { sagas } = batonSettings(cwd);
  if (sagas === undefined) return [];
  if (!Array.isArray(sagas) || !sagas.every((path) => typeof path === 'string')) {
    throw new UsageError(`"baton.sagas" in ${resolve(cwd, 'package.json')} must be a list of module paths, e.g. ["src/sagas"]`);
  }
  return sagas;
}
