import { spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * `baton lint` as a team runs it in CI: the command, spawned from the
 * repository's root on the example saga (it passes) and on a broken
 * fixture (it fails, naming the rule and the state), in text and JSON.
 */

const ROOT = join(__dirname, '..');
const FIXTURE = 'libs/cli/src/lint/fixtures/timeout-missing.saga.ts';

/** Runs `node libs/cli/bin/baton.js <args>` to its end; answers its exit code and output. */
function baton(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['libs/cli/bin/baton.js', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npx baton lint', () => {
  jest.setTimeout(120_000);

  it('passes the example order saga, with a summary', async () => {
    const { code, stdout, stderr } = await baton('lint', 'sagas/order-fulfillment');

    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toBe('baton lint: 1 saga checked (order-fulfillment@1): 0 errors, 0 warnings, 1 opted out with a reason.\n');
  });

  it('fails a broken saga, naming the rule and the state, one line per finding', async () => {
    const { code, stdout } = await baton('lint', FIXTURE);
    const [finding, summary] = stdout.trimEnd().split('\n');

    expect(code).toBe(1);
    expect(finding).toMatch(/^lint-timeout-missing@1 reserving {2}error {2}timeout\/missing {2}.+ {2}fix: .+$/);
    expect(summary).toBe('baton lint: 1 saga checked (lint-timeout-missing@1): 1 error, 0 warnings.');
  });

  it('writes JSON a script can read', async () => {
    const { code, stdout } = await baton('lint', FIXTURE, 'sagas/order-fulfillment', '--format', 'json');
    const report = JSON.parse(stdout);

    expect(code).toBe(1);
    expect(report).toMatchObject({
      sagas: ['lint-timeout-missing@1', 'order-fulfillment@1'],
      errors: 1,
      warnings: 0,
      findings: [{ rule: 'timeout/missing', severity: 'error', saga: 'lint-timeout-missing@1', state: 'reserving', step: 'reserveStock' }],
      optedOut: [{ rule: 'compensation/fire-and-forget', saga: 'order-fulfillment@1', state: 'completed' }],
    });
  });

  it('answers a wrong call with exit code 2 and its usage', async () => {
    const { code, stdout, stderr } = await baton('lint', FIXTURE, '--format', 'xml');

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('baton lint: --format is text or json, not "xml"');
    expect(stderr).toContain('Usage: baton lint [paths...]');
  });
});
