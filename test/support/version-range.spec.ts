import { satisfies } from './version-range';

describe('A version range', () => {
  it.each([
    ['1.9.1', '^1.9.1', true],
    ['1.12.0', '^1.9.1', true],
    ['2.0.0', '^1.9.1', false],
    ['1.9.0', '^1.9.1', false],
    ['0.5.20', '^0.5.16', true],
    ['0.6.0', '^0.5.16', false],
    ['0.5.15', '^0.5.16', false],
    ['0.0.3', '^0.0.3', true],
    ['0.0.4', '^0.0.3', false],
    ['5.9.7', '~5.9.3', true],
    ['5.10.0', '~5.9.3', false],
    ['0.1.0', '0.1.0', true],
    ['0.1.1', '0.1.0', false],
  ])('holds %s in %s: %s', (version, range, holds) => {
    expect(satisfies(version, range)).toBe(holds);
  });

  it.each(['>=1.0.0', '1.x', '^1.2', '*', 'workspace:*'])('refuses the range form "%s" it does not read', (range) => {
    expect(() => satisfies('1.2.3', range)).toThrow(/Unsupported version range/);
  });
});
