import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../cli';

const ROOT = join(__dirname, '..', '..', '..', '..');
const FIXTURES = 'libs/cli/src/lint/fixtures';

/** Runs `baton <args>` in the repository's root; answers the exit code and what it wrote. */
async function baton(...args: string[]) {
  let out = '';
  let err = '';
  const code = await main(args, { out: (text) => (out += text), err: (text) => (err += text), cwd: ROOT });
  return { code, out, err };
}

describe('baton lint', () => {
  it('prints a line per finding and a summary, and fails on an error', async () => {
    const { code, out } = await baton('lint', `${FIXTURES}/timeout-missing.saga.ts`);

    expect(code).toBe(1);
    expect(out.split('\n')).toEqual([
      expect.stringMatching(/^lint-timeout-missing@1 reserving {2}error {2}timeout\/missing {2}reserving waits for Reserved and Refused .* {2}fix: give step reserveStock retry/),
      'baton lint: 1 saga checked (lint-timeout-missing@1): 1 error, 0 warnings.',
      '',
    ]);
  });

  it('passes with warnings only', async () => {
    const { code, out } = await baton('lint', `${FIXTURES}/compensation-fire-and-forget.saga.ts`, `${FIXTURES}/clean.saga.ts`);

    expect(code).toBe(0);
    expect(out).toContain('lint-compensation-fire-and-forget@1 reserved  warning  compensation/fire-and-forget  ');
    expect(out).toContain('baton lint: 2 sagas checked (lint-compensation-fire-and-forget@1, lint-clean@1): 0 errors, 1 warning.\n');
  });

  it('takes the instance limits to check against', async () => {
    const fixture = `${FIXTURES}/bounds-commands-in-flight.saga.ts`;

    expect((await baton('lint', fixture)).code).toBe(0);
    const { code, out } = await baton('lint', fixture, '--max-commands-in-flight', '2');
    expect(code).toBe(1);
    expect(out).toContain('lint-bounds-commands-in-flight@1 securing  error  bounds/commands-in-flight  ');
  });

  it('writes the report as JSON, opted-out findings with their reasons', async () => {
    const { code, out } = await baton('lint', 'sagas/order-fulfillment', '--format', 'json');
    const report = JSON.parse(out);

    expect(code).toBe(0);
    expect(report).toMatchObject({ sagas: ['order-fulfillment@1'], errors: 0, warnings: 0, optedOut: [{ rule: 'compensation/fire-and-forget', state: 'completed' }] });
    expect(report.findings).toEqual([]);
  });

  it('lists its rules', async () => {
    const { code, out } = await baton('lint', '--rules');

    expect(code).toBe(0);
    expect(out).toMatch(/^ {2}compensation\/missing {10}error {4}A step with neither/);
    expect(out.trim().split('\n')).toHaveLength(17);
  });

  it.each([
    [['--format', 'yaml', 'sagas'], '--format is text or json, not "yaml"'],
    [['--max-transitions', '0', 'sagas'], '--max-transitions takes a positive integer, not "0"'],
    [['--strict'], "Unknown option '--strict'"],
    [['no/such/dir'], 'no/such/dir does not exist'],
  ])('refuses a wrong call %p with exit code 2 and its usage', async (args, problem) => {
    const { code, out, err } = await baton('lint', ...args);

    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain(problem);
    expect(err).toContain('Usage: baton lint [paths...]');
  });

  it('with no path lints the sagas package.json lists, and without such a list says how to name them', async () => {
    const listed = await baton('lint');
    expect(listed).toMatchObject({ code: 0, out: expect.stringContaining('1 saga checked (order-fulfillment@1)') });
    let err = '';
    const code = await main(['lint'], { out: () => undefined, err: (text) => (err += text), cwd: mkdtempSync(join(tmpdir(), 'baton-lint-')) });
    expect(code).toBe(2);
    expect(err).toContain('name the modules that export your sagas');
  });

});
