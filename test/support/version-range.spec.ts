import { satisfies } from './version-range';

describe('A version range', () => {
  it.each([
    ['1.9.1', '^1.9.1'],
    ['1.12.0', '^1.9.1'],
    ['0.5.20', '^0.5.16'],
    ['0.0.3', '^0.0.3'],
    ['5.9.7', '~5.9.3'],
    ['0.1.0', '0.1.0'],
  ])('is satisfied by %s when it is %s', (version, range) => {
    expect(satisfies(version, range)).toBe(true);
  });

  it.each([
    ['2.0.0', '^1.9.1'],
    ['1.9.0', '^1.9.1'],
    ['0.6.0', '^0.5.16'],
    ['0.5.15', '^0.5.16'],
    ['0.0.4', '^0.0.3'],
    ['5.10.0', '~5.9.3'],
    ['0.1.1', '0.1.0'],
  ])('is not satisfied by %s when it is %s', (version, range) => {
    expect(satisfies(version, range)).toBe(false);
  });

  it.each(['>=1.0.0', '1.x', '^1.2', '*', 'workspace:*'])('refuses the range form "%s" it does not read', (range) => {
    expect(() => satisfies('1.2.3', range)).toThrow(/Unsupported version range/);
  });
});
