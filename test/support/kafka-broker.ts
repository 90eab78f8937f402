import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** The broker the Kafka suites use: the one `npm run kafka:start` runs, unless TEST_KAFKA_BROKERS says otherwise. */
export const TEST_KAFKA_BROKERS = process.env.TEST_KAFKA_BROKERS ?? '127.0.0.1:9092';

const SCRIPT = join(__dirname, '..', '..', 'scripts', 'kafka', 'kafka.sh');

/** Stops or starts the local broker through the project's script (the broker keeps its data). */
export function broker(command: 'start' | 'stop' | 'status'): void {
  execFileSync('bash', [SCRIPT, command], { stdio: 'pipe', timeout: 120_000 });
}

export function brokerIsUp(): boolean {
  try {
    broker('status');
    return true;
  } catch {
    return false;
  }
}
