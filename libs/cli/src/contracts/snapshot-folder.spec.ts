import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { command, event } from '@baton/core';
import { z } from 'zod';
import { UsageError } from '../command';
import { contractSnapshotOf } from './contract-snapshot';
import { readSnapshotFolder, snapshotFileName, writeSnapshotFolder } from './snapshot-folder';

const ReserveStock = contractSnapshotOf(command('ReserveStock', { participant: 'inventory', schema: z.object({ orderId: z.string(), items: z.array(z.string()) }) }));
const StockReserved = contractSnapshotOf(event('StockReserved', { version: 2, schema: z.object({ reservationId: z.string() }) }));

describe('A snapshot folder', () => {
  let dir: string;
  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'baton-snapshot-')), 'schemas');
  });
  afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

  it('holds one <Type>.v<version>.json per contract version, made with the folder', () => {
    expect(writeSnapshotFolder(dir, [ReserveStock, StockReserved])).toEqual({ written: ['ReserveStock.v1.json', 'StockReserved.v2.json'], unchanged: [] });
    expect(snapshotFileName('StockReserved', 2)).toBe('StockReserved.v2.json');
  });

  it('writes sorted keys, two spaces and a trailing newline, so the same contract is the same bytes', () => {
    writeSnapshotFolder(dir, [StockReserved]);
    const text = readFileSync(join(dir, 'StockReserved.v2.json'), 'utf8');

    expect(text).toBe(`{
  "compatibility": "BACKWARD",
  "kind": "event",
  "schema": {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "properties": {
      "reservationId": {
        "type": "string"
      }
    },
    "required": [
      "reservationId"
    ],
    "type": "object"
  },
  "type": "StockReserved",
  "version": 2
}
`);
    expect(writeSnapshotFolder(dir, [StockReserved])).toEqual({ written: [], unchanged: ['StockReserved.v2.json'] });
  });

  it('reads back what it wrote, sorted by type and version, leaving other files alone', () => {
    writeSnapshotFolder(dir, [StockReserved, ReserveStock]);
    writeFileSync(join(dir, 'README.md'), 'the contracts as deployed');

    expect(readSnapshotFolder(dir)).toEqual({ dir, exists: true, snapshots: [ReserveStock, StockReserved] });
  });

  it('is empty when missing', () => {
    expect(readSnapshotFolder(dir)).toEqual({ dir, exists: false, snapshots: [] });
  });

  it.each([
    ['a file named otherwise', 'reserve-stock.json', '{}', 'is not named <Type>.v<version>.json'],
    ['a file that is not JSON', 'ReserveStock.v1.json', '{', 'is not JSON'],
    ['a file whose type is not its name', 'ReserveStock.v1.json', JSON.stringify({ ...ReserveStock, type: 'Other' }), '"type" is not "ReserveStock"'],
    ['a command without its written schema', 'ReserveStock.v1.json', JSON.stringify({ ...ReserveStock, written: undefined }), 'a command has no "written" JSON Schema'],
    ['an unknown mode', 'ReserveStock.v1.json', JSON.stringify({ ...ReserveStock, compatibility: 'SOMETIMES' }), '"compatibility" is not one of'],
  ])('refuses %s', (_name, file, text, message) => {
    writeSnapshotFolder(dir, []);
    writeFileSync(join(dir, file), text);

    expect(() => readSnapshotFolder(dir)).toThrow(UsageError);
    expect(() => readSnapshotFolder(dir)).toThrow(message);
  });
});
