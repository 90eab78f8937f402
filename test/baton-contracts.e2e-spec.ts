import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `baton contracts snapshot|check` as a user runs it: `node
 * libs/cli/bin/baton.js` in the repository root, on the example saga with
 * its committed snapshot, and on the fixture sagas of
 * test/fixtures/contracts (one ReserveStock contract each: as deployed, a
 * required field added, a type narrowed, both done as version 2 with an
 * upcast) against a snapshot in a temporary folder.
 */

const ROOT = join(__dirname, '..');
const FIXTURES = 'test/fixtures/contracts';

function baton(...args: string[]) {
  const run = spawnSync(process.execPath, ['libs/cli/bin/baton.js', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  if (run.error) throw run.error;
  return { code: run.status, out: run.stdout, err: run.stderr };
}

describe('baton contracts', () => {
  it('check passes on the example saga with its committed snapshot (contracts/order-fulfillment/schemas, from package.json)', () => {
    const { code, out, err } = baton('contracts', 'check', 'sagas/order-fulfillment');

    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(out).toContain('Contracts of order-fulfillment v1 against the snapshot in contracts/order-fulfillment/schemas:');
    expect(out).toMatch(/unchanged\s+ReserveStock v1\s+command → inventory\s+BACKWARD/);
    expect(out).toContain('16 contract versions: 16 unchanged, 0 breaking, 0 to snapshot, 0 warnings.');
    expect(out).not.toMatch(/CommandFailed|StepFailed|CompensationsCompleted|AbortRequested/);
  });

  it('the committed snapshot is what snapshot writes today: one file per contract version, byte for byte', () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-contracts-'));
    try {
      expect(baton('contracts', 'snapshot', 'sagas/order-fulfillment', '--dir', dir).code).toBe(0);
      const committed = join(ROOT, 'contracts/order-fulfillment/schemas');
      const files = readdirSync(dir).sort();
      expect(readdirSync(committed).sort()).toEqual(files);
      for (const file of files) expect({ file, text: readFileSync(join(dir, file), 'utf8') }).toEqual({ file, text: readFileSync(join(committed, file), 'utf8') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('on a change to a snapshotted contract', () => {
    let dir: string;

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'baton-contracts-'));
      const snapshot = baton('contracts', 'snapshot', `${FIXTURES}/base.saga.ts`, '--dir', dir);
      expect(snapshot.code).toBe(0);
      expect(snapshot.out).toContain('wrote ReserveStock.v1.json');
    });

    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('passes while nothing changed', () => {
      const { code, out } = baton('contracts', 'check', `${FIXTURES}/base.saga.ts`, '--dir', dir);

      expect(code).toBe(0);
      expect(out).toContain('3 contract versions: 3 unchanged, 0 breaking, 0 to snapshot, 0 warnings.');
    });

    it('fails on a required field added, naming the field, the rule and the fix', () => {
      const { code, out } = baton('contracts', 'check', `${FIXTURES}/required-added.saga.ts`, '--dir', dir);

      expect(code).toBe(1);
      expect(out).toMatch(/BREAKING\s+ReserveStock v1\s+command → inventory\s+BACKWARD\s+compared with v1/);
      expect(out).toContain(
        '✗ items[].warehouse: required property added: the new schema requires warehouse, which senders of v1 do not send [required-property-added, BACKWARD against v1]',
      );
      expect(out).toContain('old: absent');
      expect(out).toContain('new: required string');
      expect(out).toContain('fix: make warehouse optional (.optional(), or .default(...) to fill it in), or bump ReserveStock to version 2 with an upcast');
      expect(out).toContain('1 breaking');
    });

    it('fails on a type narrowed, naming the field and the rule', () => {
      const { code, out } = baton('contracts', 'check', `${FIXTURES}/narrowed.saga.ts`, '--dir', dir);

      expect(code).toBe(1);
      expect(out).toContain('✗ items[].quantity: type narrowed (number to integer)');
      expect(out).toContain('[type-narrowed, BACKWARD against v1]');
      expect(out).toMatch(/old: number\n\s+new: integer/);
    });

    it('reports the same as JSON', () => {
      const { code, out } = baton('contracts', 'check', `${FIXTURES}/required-added.saga.ts`, '--dir', dir, '--format', 'json');
      const report = JSON.parse(out);

      expect(code).toBe(1);
      expect(report).toMatchObject({ ok: false, counts: { breaking: 1, snapshot: 1 }, sagas: [{ name: 'stock-check', version: 1 }] });
      expect(report.contracts.find((c: { type: string }) => c.type === 'ReserveStock').findings[0]).toMatchObject({
        severity: 'breaking',
        rule: 'required-property-added',
        type: 'ReserveStock',
        version: 1,
        mode: 'BACKWARD',
        against: 1,
        path: 'items[].warehouse',
        old: 'absent',
        new: 'required string',
      });
    });

    it('will not snapshot a breaking change (nothing written) unless forced', () => {
      const before = readFileSync(join(dir, 'ReserveStock.v1.json'), 'utf8');
      const { code, out, err } = baton('contracts', 'snapshot', `${FIXTURES}/narrowed.saga.ts`, '--dir', dir);

      expect(code).toBe(1);
      expect(out).toBe('');
      expect(err).toContain('items[].quantity: type narrowed');
      expect(err).toContain('baton contracts snapshot: wrote nothing: 1 breaking change(s) above.');
      expect(readFileSync(join(dir, 'ReserveStock.v1.json'), 'utf8')).toBe(before);
    });

    it('passes again once the version is bumped with an upcast, and the new version is snapshotted', () => {
      const bumped = `${FIXTURES}/bumped.saga.ts`;
      const first = baton('contracts', 'check', bumped, '--dir', dir);

      // Compatible (the upcast turned sample v1 payloads into valid v2 ones): it passes, saying v2 is not recorded yet...
      expect(first.code).toBe(0);
      expect(first.out).not.toContain('BREAKING');
      expect(first.out).toContain('note: the upcast from v1 turned 2 sample v1 payload(s) into valid v2 ones [upcast-verified]');
      expect(first.out).toContain('snapshot: ReserveStock v2 is not in the snapshot yet (it is BACKWARD compatible with v1) [not-snapshotted]');
      expect(first.out).toContain(`run npx baton contracts snapshot ${bumped} --dir ${dir} and commit the snapshot.`);

      // ...which a CI that wants the snapshot kept current makes a failure.
      expect(baton('contracts', 'check', bumped, '--dir', dir, '--require-snapshot').code).toBe(1);

      const snapshot = baton('contracts', 'snapshot', bumped, '--dir', dir);
      expect(snapshot.code).toBe(0);
      expect(snapshot.out).toContain('wrote ReserveStock.v2.json');
      expect(existsSync(join(dir, 'ReserveStock.v1.json'))).toBe(true);

      const again = baton('contracts', 'check', bumped, '--dir', dir);
      expect(again.code).toBe(0);
      expect(again.out).toContain('3 contract versions: 3 unchanged, 0 breaking, 0 to snapshot, 0 warnings.');
    });
  });

  it('records a breaking change with --force, saying so; check then holds later changes to it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-contracts-'));
    try {
      expect(baton('contracts', 'snapshot', `${FIXTURES}/base.saga.ts`, '--dir', dir).code).toBe(0);
      const forced = baton('contracts', 'snapshot', `${FIXTURES}/narrowed.saga.ts`, '--dir', dir, '--force');

      expect(forced.code).toBe(0);
      expect(forced.out).toContain('wrote ReserveStock.v1.json');
      expect(forced.out).toContain('Recorded with 1 breaking change(s) (--force).');
      expect(JSON.parse(readFileSync(join(dir, 'ReserveStock.v1.json'), 'utf8')).schema.properties.items.items.properties.quantity.type).toBe('integer');
      expect(baton('contracts', 'check', `${FIXTURES}/narrowed.saga.ts`, '--dir', dir).code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers a wrong call with exit 2 and its usage', () => {
    const { code, err } = baton('contracts', 'check', 'sagas/order-fulfillment', '--format', 'xml');

    expect(code).toBe(2);
    expect(err).toContain('baton contracts: --format is text or json, not "xml"');
    expect(err).toContain('Usage: baton contracts snapshot [paths...] [--dir DIR] [--force]');
  });
});
