import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from './free-port';

const ROOT = join(__dirname, '..', '..');

/** Compiles the host as `npm start` would, so a test can run it as a real process. */
export function buildHost(): void {
  // The console's page too: the hosts the suites start serve it at /console/.
  execFileSync(process.execPath, [join(ROOT, 'libs', 'console', 'scripts', 'build-app.mjs')], { cwd: ROOT, stdio: 'pipe', timeout: 120_000 });
  execFileSync(process.execPath, [join(ROOT, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js'), 'build'], {
    cwd: ROOT,
    stdio: 'pipe',
    timeout: 180_000,
  });
}

/** A compiled entry point of the project running in a child process, as in production. */
export class HostProcess {
  private child?: ChildProcess;
  readonly output: string[] = [];
  /** Resolves once the last launched run exited and its output was read, with how it ended. */
  closed?: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  /**
   * `entry` is the compiled script (the host by default); `ready` says when it
   * is up (by default: it answers HTTP).
   */
  constructor(
    private readonly env: Record<string, string>,
    private readonly entry = join('dist', 'src', 'main.js'),
    private readonly ready: (process: HostProcess) => Promise<boolean> = async (process) =>
      (await fetch(`${process.baseUrl}/definitions`)).ok,
  ) {}

  /** How the last run ended: its exit code, or the signal that ended it. */
  get exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined {
    const child = this.child;
    if (!child || (child.exitCode === null && child.signalCode === null)) return undefined;
    return { code: child.exitCode, signal: child.signalCode };
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.env.PORT}`;
  }

  /** Starts it; without a PORT in its environment, on a port the system says is free (kept across restarts). */
  async start(): Promise<void> {
    await this.launch();
    const child = this.child!;
    const closed = this.closed!;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) {
        await closed;
        throw new Error(`${this.entry} exited with ${child.exitCode}:\n${this.output.join('')}`);
      }
      try {
        if (await this.ready(this)) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${this.entry} was not ready within 60 s:\n${this.output.join('')}`);
  }

  /**
   * Spawns it and returns at once, without waiting for it to be ready; see
   * `closed` for how it ends. Without a PORT, on a free port, as `start`.
   */
  async launch(): Promise<void> {
    this.env.PORT ??= String(await freePort());
    const child = spawn(process.execPath, [join(ROOT, this.entry)], {
      cwd: ROOT,
      env: { ...process.env, HOST: '127.0.0.1', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.on('data', (chunk) => this.output.push(String(chunk)));
    child.stderr!.on('data', (chunk) => this.output.push(String(chunk)));
    // Closed: it exited and what it wrote has been read.
    this.closed = new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  }

  /** Ends the process the hard way: no shutdown hooks, no flushing, like a power cut. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }
}

/** What the example participants process writes once it consumes. */
export const PARTICIPANTS_READY = 'Example participants are running';

/** The example participants (`npm run start:participants`) as a process, ready once they consume. */
export function participantsProcess(env: Record<string, string>): HostProcess {
  return new HostProcess(env, join('dist', 'participants', 'main.js'), async (process) => process.output.join('').includes(PARTICIPANTS_READY));
}
