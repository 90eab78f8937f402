import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';

const SCRIPT = join(__dirname, '..', '..', 'scripts', 'kafka', 'kafka.sh');

/**
 * A Kafka broker of a test's own: scripts/kafka/kafka.sh with its state in a
 * temporary folder (KAFKA_DIR) and on ports the system says are free, so a
 * test may stop and start it without touching the broker other suites share
 * (9092, or TEST_KAFKA_BROKERS). The first start wipes its data
 * (KAFKA_DATA_RESET=1); later starts keep it, as a restarted broker would.
 *
 * The script's commands run asynchronously: a test keeps its clients going
 * while the broker stops or starts.
 */
export class PrivateKafka {
  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly controllerPort: number,
  ) {}

  /** The bootstrap server, for KAFKA_BROKERS. */
  get brokers(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Creates a fresh single-node cluster and starts it; resolves once it answers metadata requests. */
  static async start(): Promise<PrivateKafka> {
    const { broker, answering } = await PrivateKafka.launch();
    try {
      await answering;
    } catch (error) {
      broker.destroy();
      throw error;
    }
    return broker;
  }

  /**
   * Creates a fresh single-node cluster and launches it without waiting for
   * it to answer, as a deployment starting everything at once would:
   * `answering` settles once kafka.sh saw it answer metadata requests (or
   * gave up). `destroy` it afterwards either way.
   */
  static async launch(): Promise<{ broker: PrivateKafka; answering: Promise<void> }> {
    const dir = mkdtempSync(join(tmpdir(), 'baton-kafka-'));
    const port = await freePort();
    let controllerPort = await freePort();
    while (controllerPort === port) controllerPort = await freePort();
    const broker = new PrivateKafka(dir, port, controllerPort);
    const answering = broker.run('start', { KAFKA_DATA_RESET: '1' });
    // The caller may never await it (it watches its clients instead).
    answering.catch(() => undefined);
    return { broker, answering };
  }

  /** Starts it again after `stop`, on the same ports, with the data it had. */
  async restart(): Promise<void> {
    await this.run('start', { KAFKA_DATA_RESET: '0' });
  }

  /** Stops it (SIGTERM: a controlled shutdown, SIGKILL after KAFKA_STOP_TIMEOUT). */
  async stop(): Promise<void> {
    await this.run('stop');
  }

  /**
   * Kills the broker at once and deletes its folder. Synchronous, so it can
   * run from a process 'exit' handler when a test dies.
   */
  destroy(): void {
    try {
      // broker.pid.starting: kafka.sh launched it but has not seen it answer yet (see `launch`).
      for (const pidFile of [join(this.dir, 'broker.pid'), join(this.dir, 'broker.pid.starting')]) {
        try {
          if (!existsSync(pidFile)) continue;
          const pid = Number(readFileSync(pidFile, 'utf8').trim());
          if (pid > 0) process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  private run(command: 'start' | 'stop', env: Record<string, string> = {}): Promise<void> {
    return new Promise((resolve, reject) => {
      execFile(
        'bash',
        [SCRIPT, command],
        {
          env: {
            ...process.env,
            KAFKA_DIR: this.dir,
            KAFKA_PORT: String(this.port),
            KAFKA_CONTROLLER_PORT: String(this.controllerPort),
            ...env,
          },
          timeout: 180_000,
        },
        (error, stdout, stderr) => {
          if (error) reject(new Error(`kafka.sh ${command} failed (${error.message}):\n${stdout}${stderr}`));
          else resolve();
        },
      );
    });
  }
}
