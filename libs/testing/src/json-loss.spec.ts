import { jsonLoss } from './json-loss';

describe('jsonLoss', () => {
  it('finds nothing in plain JSON, and takes a property set to undefined for a missing one', () => {
    expect(jsonLoss({ a: [1, 'two', true, null, { b: {} }], c: undefined })).toBeUndefined();
  });

  it('names where a value would come back changed, and how', () => {
    expect(jsonLoss({ context: { at: new Date(0) } })).toBe('/context/at: a Date comes back as a string');
    expect(jsonLoss({ seen: new Set([1]) })).toBe('/seen: a Set comes back as a plain object');
    expect(jsonLoss({ items: [1, undefined] })).toBe('/items/1: undefined becomes null');
    expect(jsonLoss({ total: Number.NaN })).toBe('/total: NaN becomes null');
    expect(jsonLoss({ big: 1n })).toBe('/big: a bigint cannot be written as JSON');
    expect(jsonLoss({ 'a/b': { run: () => 1 } })).toBe('/a~1b/run: a function is dropped');
  });
});
