import { HostProcess } from '../support/host-process';

/** The mark the supervisor writes into a process's output before each spawn. */
const SPAWN_MARK = '=== spawn ';

/**
 * What a process wrote since it was last spawned (its output is kept across
 * restarts), for readiness checks that look for a log line.
 */
export function outputOfLastRun(child: HostProcess): string {
  const output = child.output.join('');
  return output.slice(output.lastIndexOf(SPAWN_MARK));
}

/** One time a supervised process was (re)started. */
export interface ProcessStart {
  /** Why: 'initial', 'after SIGKILL', 'unplanned exit (...)'. */
  reason: string;
  /** When it was killed or found dead, if it was. */
  downAt?: number;
  spawnedAt: number;
  /** When it answered as ready (HostProcess's readiness check). */
  readyAt?: number;
}

/**
 * A compiled process (the host or the participants) under a supervisor, as a
 * deployment would run it: the test kills it and starts it again on purpose;
 * if it exits on its own, that is logged as an unplanned exit and it is
 * started again, like a container restart policy would. Starting is retried
 * while it fails (e.g. the database is down and it exits during boot).
 */
export class SupervisedProcess {
  readonly starts: ProcessStart[] = [];
  readonly unplannedExits: Array<{ at: number; exit: string }> = [];
  private down = true;
  private starting?: Promise<void>;
  private watch?: NodeJS.Timeout;

  constructor(
    readonly name: string,
    readonly child: HostProcess,
    private readonly log: (line: string) => void,
  ) {}

  /** Starts it and watches it until `retire`. */
  async start(reason = 'initial', downAt?: number): Promise<void> {
    const start: ProcessStart = { reason, downAt, spawnedAt: Date.now() };
    this.starts.push(start);
    this.starting = this.startUntilReady(start);
    try {
      await this.starting;
    } finally {
      this.starting = undefined;
    }
    this.down = false;
    this.watch ??= setInterval(() => void this.restartIfDead(), 250);
  }

  /** SIGKILL; it stays down until `start`. Returns when it was killed. */
  async kill(): Promise<number> {
    this.down = true;
    this.mark('SIGKILL');
    await this.child.kill();
    return Date.now();
  }

  /** Stops watching it and kills it. */
  async retire(): Promise<void> {
    clearInterval(this.watch);
    this.watch = undefined;
    this.down = true;
    await this.starting?.catch(() => undefined);
    await this.child.kill();
  }

  /** Everything it wrote, with the supervisor's marks in between. */
  get output(): string {
    return this.child.output.join('');
  }

  private async startUntilReady(start: ProcessStart): Promise<void> {
    const deadline = Date.now() + 180_000;
    for (let attempt = 1; ; attempt++) {
      this.child.output.push(`\n${SPAWN_MARK}${this.name} ${new Date().toISOString()} (${start.reason}, attempt ${attempt}) ===\n`);
      try {
        await this.child.start();
        start.readyAt = Date.now();
        this.log(`${this.name} ready after ${((start.readyAt - start.spawnedAt) / 1000).toFixed(1)} s (attempt ${attempt})`);
        return;
      } catch (error) {
        // Not ready in time, or it exited while booting: make sure it is gone before the next try.
        await this.child.kill();
        const firstLine = String((error as Error).message).split('\n')[0];
        this.log(`${this.name} did not start (attempt ${attempt}): ${firstLine}`);
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  private async restartIfDead(): Promise<void> {
    const exit = this.child.exit;
    if (this.down || this.starting || !exit) return;
    const at = Date.now();
    const how = exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
    this.unplannedExits.push({ at, exit: how });
    this.log(`${this.name} exited on its own (${how}); the supervisor starts it again`);
    this.down = true;
    await this.start(`unplanned exit (${how})`, at).catch((error) => this.log(`${this.name} could not be restarted: ${String(error)}`));
  }

  private mark(what: string): void {
    this.child.output.push(`\n===== ${new Date().toISOString()} ${this.name}: ${what} =====\n`);
  }
}
