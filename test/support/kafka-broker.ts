import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';

/** The broker the Kafka suites use: the one `npm run kafka:start` runs, unless TEST_KAFKA_BROKERS says otherwise. */
export const TEST_KAFKA_BROKERS = process.env.TEST_KAFKA_BROKERS ?? '127.0.0.1:9092';

const SCRIPT = join(__dirname, '..', '..', 'scripts', 'kafka', 'kafka.sh');

/** Stops or starts the local broker through the project's script (the broker keeps its data). */
export function broker(command: 'start' | 'stop'): void {
  execFileSync('bash', [SCRIPT, command], { stdio: 'pipe', timeout: 120_000 });
}

/**
 * `broker`, without blocking this process while the script runs (a broker
 * takes seconds to stop): a test's HTTP client keeps its timers running,
 * so it does not reuse a kept-alive connection the server closed meanwhile.
 */
export async function brokerAsync(command: 'start' | 'stop'): Promise<void> {
  await promisify(execFile)('bash', [SCRIPT, command], { timeout: 120_000 });
}

/** Whether a broker answers metadata requests at TEST_KAFKA_BROKERS, whoever started it. */
export async function brokerAnswers(): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'baton-test-probe',
    brokers: [TEST_KAFKA_BROKERS],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Fails a suite at once, saying what to do, when no broker answers at TEST_KAFKA_BROKERS. */
export async function requireBroker(): Promise<void> {
  if (!(await brokerAnswers())) {
    throw new Error(`The Kafka suites need a broker at ${TEST_KAFKA_BROKERS}: run "npm run kafka:start" (or set TEST_KAFKA_BROKERS).`);
  }
}

/** Deletes a suite's own topics (those named with its prefix) from the shared broker; one that will not go is left. */
export async function deletePrefixedTopics(kafka: Kafka, prefix: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: (await admin.listTopics()).filter((topic) => topic.startsWith(prefix)) }).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}
