import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The watcher: every second, if the test process is gone and the registry has
 * no "done" line, kill and delete what the registry lists, then quit. Plain
 * JavaScript, run with `node -e`, so it needs nothing compiled.
 */
const WATCHER = `
const fs = require('fs');
const path = require('path');
const [parent, registry] = [Number(process.argv[1]), process.argv[2]];
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
const quietly = (work) => { try { work(); } catch {} };
function reap(entries) {
  for (const e of entries) {
    if (e.env) for (const pid of fs.readdirSync('/proc').filter((p) => /^\\d+$/.test(p))) {
      quietly(() => { if (fs.readFileSync('/proc/' + pid + '/environ', 'utf8').split('\\0').includes(e.env)) process.kill(Number(pid), 'SIGKILL'); });
    }
    if (e.pidFile) quietly(() => process.kill(Number(fs.readFileSync(e.pidFile, 'utf8').split('\\n')[0]), e.signal));
  }
  // Give the killed servers a moment to exit before their folders go.
  setTimeout(() => {
    for (const e of entries) if (e.remove) quietly(() => fs.rmSync(e.remove, { recursive: true, force: true }));
    quietly(() => fs.rmSync(path.dirname(registry), { recursive: true, force: true }));
  }, 3000);
}
(function tick() {
  let entries;
  try { entries = fs.readFileSync(registry, 'utf8').split('\\n').filter(Boolean).map((line) => JSON.parse(line)); } catch { return; }
  if (entries.some((e) => e.done)) return quietly(() => fs.rmSync(path.dirname(registry), { recursive: true, force: true }));
  if (alive(parent)) return setTimeout(tick, 1000);
  reap(entries);
})();
`;

type Entry = { env: string } | { pidFile: string; signal: NodeJS.Signals } | { remove: string } | { done: true };

/**
 * Cleans up after the test when its process dies without running afterAll (a
 * crash, SIGKILL, a CI timeout; jest's sandbox does not let a test see the
 * real process's signals or exit): a detached watcher process that outlives
 * it, kills the processes, broker and cluster the test registered, and
 * deletes their folders. `dismiss` tells it all was cleaned up already.
 */
export class Reaper {
  private constructor(private readonly registry: string) {}

  static start(): Reaper {
    const registry = join(mkdtempSync(join(tmpdir(), 'baton-reaper-')), 'registry.jsonl');
    writeFileSync(registry, '');
    spawn(process.execPath, ['-e', WATCHER, String(process.pid), registry], { detached: true, stdio: 'ignore' }).unref();
    return new Reaper(registry);
  }

  /** Every process whose environment holds `name=value` (e.g. the host and participants, by their DATABASE_URL). */
  processesWith(name: string, value: string): void {
    this.add({ env: `${name}=${value}` });
  }

  /** The process whose pid the first line of `pidFile` holds, when it is time (e.g. a postmaster: SIGQUIT). */
  pidIn(pidFile: string, signal: NodeJS.Signals): void {
    this.add({ pidFile, signal });
  }

  /** A folder to delete after the processes are gone. */
  folder(path: string): void {
    this.add({ remove: path });
  }

  /** Everything was cleaned up: the watcher deletes the registry and quits without doing anything. */
  dismiss(): void {
    this.add({ done: true });
  }

  private add(entry: Entry): void {
    appendFileSync(this.registry, JSON.stringify(entry) + '\n');
  }
}
