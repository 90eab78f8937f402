import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createOrderFulfillmentSaga } from '@example/sagas';
import { UsageError } from './command';
import { loadSagas, sagasOf } from './load-sagas';

const ROOT = resolve(__dirname, '..', '..', '..');

/** A directory with a package.json and modules of its own. */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'baton-cli-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const usageError = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a UsageError');
};

describe('Loading saga definitions for the baton command', () => {
  it('takes every export that is a saga, an array of sagas, or a create...Saga factory that needs no argument', () => {
    const saga = createOrderFulfillmentSaga();
    const called: string[] = [];
    const found = sagasOf({
      saga,
      list: [saga, 'not a saga'],
      createOrderFulfillmentSaga: () => (called.push('factory'), createOrderFulfillmentSaga({ paymentTimeoutMs: 1 })),
      createWithOptions: (options: unknown) => (called.push('needs options'), options),
      somethingElse: 42,
    });
    expect(found).toHaveLength(3);
    expect(called).toEqual(['factory']);
  });

  it('loads a directory by its index, the sagas of the repository named in package.json when no path is given', () => {
    expect(loadSagas(['sagas/order-fulfillment'], ROOT).map((s) => `${s.name}@${s.version}`)).toEqual(['order-fulfillment@1']);
    expect(loadSagas([], ROOT).map((s) => `${s.name}@${s.version}`)).toEqual(['order-fulfillment@1']);
  });

  it('says what is wrong with a call: no path and none configured, a path that does not exist, a module with no saga, a bad list', () => {
    expect(usageError(() => loadSagas([], project({ 'package.json': '{}' })))).toMatch(/name the modules that export your sagas.*"baton": \{ "sagas"/);
    expect(usageError(() => loadSagas(['nowhere.ts'], ROOT))).toBe('nowhere.ts does not exist');
    const dir = project({ 'package.json': '{"baton":{"sagas":"sagas"}}', 'plain.js': 'exports.answer = 42;' });
    expect(usageError(() => loadSagas(['plain.js'], dir))).toMatch(/^plain\.js exports no saga: .* it exports answer$/);
    expect(usageError(() => loadSagas([], dir))).toMatch(/"baton\.sagas" in .*package\.json must be a list of module paths/);
  });
});
