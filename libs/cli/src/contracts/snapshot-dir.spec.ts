import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../command';
import { snapshotDir } from './snapshot-dir';

describe('The snapshot folder', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'baton-dir-'));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it('is --dir when given, relative to the working directory', () => {
    writeFileSync(join(cwd, 'package.json'), JSON.stringify({ baton: { contractSnapshots: 'ignored' } }));
    expect(snapshotDir(cwd, 'schemas')).toBe(join(cwd, 'schemas'));
  });

  it('is "baton": { "contractSnapshots" } of package.json otherwise', () => {
    writeFileSync(join(cwd, 'package.json'), JSON.stringify({ baton: { sagas: ['src/sagas'], contractSnapshots: 'contracts/schemas' } }));
    expect(snapshotDir(cwd)).toBe(join(cwd, 'contracts/schemas'));
  });

  it('is contract-schemas when package.json names none, or there is no package.json', () => {
    expect(snapshotDir(cwd)).toBe(join(cwd, 'contract-schemas'));
    writeFileSync(join(cwd, 'package.json'), JSON.stringify({ name: 'orders' }));
    expect(snapshotDir(cwd)).toBe(join(cwd, 'contract-schemas'));
  });

  it('refuses a setting that is not a path', () => {
    writeFileSync(join(cwd, 'package.json'), JSON.stringify({ baton: { contractSnapshots: ['a'] } }));
    expect(() => snapshotDir(cwd)).toThrow(UsageError);
    expect(() => snapshotDir(cwd)).toThrow('"baton": { "contractSnapshots" }');
  });
});
