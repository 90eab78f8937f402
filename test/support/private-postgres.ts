import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';

/**
 * A PostgreSQL server of a test's own: a fresh cluster in a temporary
 * folder, on a port the system says is free, which the test may stop,
 * restart or crash without touching the machine's server. Uses the
 * machine's PostgreSQL binaries (Debian: /usr/lib/postgresql/<version>/bin,
 * or PG_BIN). PostgreSQL refuses to run as root: as root, the cluster runs
 * as the `postgres` user.
 */
export class PrivatePostgres {
  private constructor(
    readonly dataDir: string,
    readonly port: number,
    private readonly bin: string,
  ) {}

  /** A connection string for the cluster's `postgres` database, as the `postgres` superuser (trust auth). */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** Creates and starts a cluster; resolves once it accepts connections. */
  static async start(): Promise<PrivatePostgres> {
    const bin = postgresBin();
    const root = mkdtempSync(join(tmpdir(), 'baton-pg-'));
    const dataDir = join(root, 'data');
    if (runsAsRoot()) chownSync(root, ...postgresIds());
    const server = new PrivatePostgres(dataDir, await freePort(), bin);
    server.run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
    server.start();
    return server;
  }

  /** Stops the server fast (`-m fast`: clients are disconnected, nothing is lost). */
  stop(): void {
    this.ctl(['stop', '-m', 'fast']);
  }

  /** Starts the server (again, after `stop`); returns once it accepts connections. */
  start(): void {
    // fsync off: a test cluster need not survive a power cut, only a process crash (which it does).
    const options = `-p ${this.port} -k '' -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200`;
    this.ctl(['start', '-w', '-t', '120', '-o', options, '-l', join(this.dataDir, '..', 'server.log')]);
  }

  /**
   * `pg_ctl restart -m immediate`: a crash, then a start; the server recovers
   * from its write-ahead log.
   */
  restartImmediate(): void {
    this.crash();
    this.start();
  }

  /** `pg_ctl stop -m immediate`: every server process quits at once, as in a crash. */
  crash(): void {
    this.ctl(['stop', '-m', 'immediate']);
  }

  /** Stops the server the hard way and deletes the cluster. */
  destroy(): void {
    try {
      if (existsSync(join(this.dataDir, 'postmaster.pid'))) this.ctl(['stop', '-m', 'immediate']);
    } finally {
      rmSync(join(this.dataDir, '..'), { recursive: true, force: true });
    }
  }

  private ctl(args: string[]): void {
    this.run('pg_ctl', ['-D', this.dataDir, ...args]);
  }

  private run(tool: string, args: string[]): void {
    const file = join(this.bin, tool);
    const [command, commandArgs] = runsAsRoot() ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
    execFileSync(command, commandArgs, { stdio: 'pipe', timeout: 180_000 });
  }
}

function runsAsRoot(): boolean {
  return userInfo().uid === 0;
}

function postgresIds(): [number, number] {
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return [uid, gid];
}

/** The folder with initdb and pg_ctl: PG_BIN, or the newest Debian install. */
function postgresBin(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  if (!versions.length) {
    throw new Error('No PostgreSQL binaries found under /usr/lib/postgresql: install PostgreSQL or set PG_BIN to the folder with initdb and pg_ctl.');
  }
  return join(base, versions[0], 'bin');
}
