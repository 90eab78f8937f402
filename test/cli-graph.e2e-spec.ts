import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `baton graph` as a user runs it: the command (libs/cli/bin/baton.js) in a
 * child process at the repository's root, loading the order saga's
 * TypeScript module.
 */

const ROOT = join(__dirname, '..');

function baton(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'libs', 'cli', 'bin', 'baton.js'), ...args], { cwd: ROOT, timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npx baton graph', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'baton-graph-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the order saga as SVG to --out, and exits 0', async () => {
    const out = join(dir, 'nested', 'order.svg');
    const run = await baton(['graph', 'order-fulfillment', 'sagas/order-fulfillment', '--format', 'svg', '--out', out]);
    expect(run).toMatchObject({ code: 0, stdout: '' });
    expect(run.stderr).toMatch(/^baton graph: wrote order-fulfillment v1 as svg to .*order\.svg \(\d+ bytes\)\n$/);
    const svg = readFileSync(out, 'utf8');
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    for (const text of ['>securing</text>', '>compensating</text>', 'after paymentTimeout (30 s)', 'ReleaseStock undoes ReserveStock']) {
      expect(svg).toContain(text);
    }
  });

  it('prints Mermaid by default, and DOT with --format dot, for the version asked', async () => {
    const mermaid = await baton(['graph', 'order-fulfillment', 'sagas/order-fulfillment']);
    expect(mermaid.code).toBe(0);
    expect(mermaid.stdout).toContain('stateDiagram-v2\n');
    expect(mermaid.stdout).toContain('securing_payment_authorizing --> securing_payment_timedOut : after paymentTimeout (30 s)');
    const dot = await baton(['graph', 'order-fulfillment', 'sagas/order-fulfillment', '--format', 'dot', '--version', '1']);
    expect(dot.code).toBe(0);
    expect(dot.stdout).toMatch(/^digraph "order-fulfillment" \{\n/);
  });

  it('exits 2 naming the sagas it found when no saga has that name', async () => {
    const run = await baton(['graph', 'order-fulfilment', 'sagas/order-fulfillment', '--format', 'svg', '--out', join(dir, 'never.svg')]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('baton graph: no saga named "order-fulfilment"; the sagas found: order-fulfillment (v1)');
    expect(run.stderr).toContain('Usage: baton graph <saga-name>');
  });

  it('exits 2 for a version the saga does not have, and for a format it does not know', async () => {
    const version = await baton(['graph', 'order-fulfillment', 'sagas/order-fulfillment', '--version', '7']);
    expect(version.code).toBe(2);
    expect(version.stderr).toContain('order-fulfillment has no version 7; its versions: 1');
    const format = await baton(['graph', 'order-fulfillment', 'sagas/order-fulfillment', '--format', 'png']);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('--format must be one of mermaid, dot, svg, not "png"');
  });
});
