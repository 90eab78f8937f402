import { ProblemException } from '../http/problem.exception';
import { definitionVersion } from './definition-version';

const problemOf = (version: unknown) => {
  try {
    definitionVersion(version);
  } catch (error) {
    return (error as ProblemException).problem;
  }
  throw new Error(`${JSON.stringify(version)} was taken`);
};

describe('definitionVersion', () => {
  it('takes a positive integer, and nothing for the newest', () => {
    expect(definitionVersion(undefined)).toBeUndefined();
    expect(definitionVersion('1')).toBe(1);
    expect(definitionVersion('12')).toBe(12);
  });

  it.each(['abc', '0', '-1', '1.5', '1e3', ' 1', '', '99999999999999999999'])('refuses %j with a 400 naming version', (version) => {
    expect(problemOf(version)).toMatchObject({ status: 400, type: 'https://baton.dev/problems/invalid-parameter', parameter: 'version' });
    expect(problemOf(version).detail).toBe(`version: must be a positive integer (a definition version), or left out for the newest; got "${version}".`);
  });

  it('refuses more than one value (a host without the repeated-parameter check passes an array)', () => {
    expect(problemOf(['1', '2'])).toMatchObject({ status: 400, parameter: 'version', detail: 'version: give it once, as a single value.' });
  });
});
