import { join } from 'node:path';
import { freePort } from '../support/free-port';
import { HostProcess, participantsProcess } from '../support/host-process';
import { orderFor } from '../support/orders';
import { PrivateKafka } from '../support/private-kafka';
import { DEV_AUTHORIZATION } from '../support/test-app';
import { TEST_DATABASE_URL, TestSchema } from '../support/test-database';
import { Reaper } from './reaper';

/**
 * Starting everything at once is a normal start. A fresh broker (a new
 * cluster), the host and the example participants are launched in the same
 * moment, none waiting for another, as a deployment or `docker compose up`
 * would; the host must become ready and an order saga must complete. A host
 * or participants process whose broker or database never comes must exit
 * with code 3 and say which dependency did not answer within the budget.
 */

const ITERATIONS = 10;
/** Generous: a CI machine may be busy, and a fresh broker's JVM starts slowly on two cores. */
const READY_DEADLINE_MS = 180_000;
const SAGA_DEADLINE_MS = 120_000;
const EXIT_DEADLINE_MS = 90_000;
/** The processes' start-up budget in the together-start: above how long a fresh broker takes on a busy machine. */
const STARTUP_BUDGET_MS = 150_000;
/** The budget where no dependency ever comes: short, so the test is. */
const SHORT_BUDGET_MS = 5_000;

/** Marks the processes of this run, for the reaper. */
const RUN_MARK = `fresh-broker-${process.pid}-${Date.now().toString(36)}`;

let reaper: Reaper;

beforeAll(() => {
  reaper = Reaper.start();
  reaper.processesWith('BATON_TEST_RUN', RUN_MARK);
});

afterAll(() => reaper?.dismiss());

/** Waits until `probe` holds, failing early (with its output) when a process that should be running has exited. */
async function until(what: string, deadlineMs: number, probe: () => Promise<boolean>, running: Array<[string, HostProcess]>): Promise<number> {
  const began = Date.now();
  for (;;) {
    for (const [name, child] of running) {
      const exit = child.exit;
      if (exit) throw new Error(`${name} exited (${exit.code ?? exit.signal}) while waiting for ${what}:\n${child.output.join('')}`);
    }
    try {
      if (await probe()) return Date.now() - began;
    } catch {
      // not answering yet
    }
    if (Date.now() - began > deadlineMs) {
      const outputs = running.map(([name, child]) => `--- ${name}:\n${child.output.join('')}`).join('\n');
      throw new Error(`No ${what} within ${deadlineMs / 1000} s.\n${outputs}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function readyAnswers(host: HostProcess): Promise<boolean> {
  const response = await fetch(`${host.baseUrl}/health/ready`, { signal: AbortSignal.timeout(10_000) });
  await response.text();
  return response.status === 200;
}

async function startOrder(host: HostProcess, orderId: string): Promise<string> {
  const response = await fetch(`${host.baseUrl}/sagas/order-fulfillment`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': `order-${orderId}`, authorization: DEV_AUTHORIZATION },
    body: JSON.stringify(orderFor('completes', orderId)),
    signal: AbortSignal.timeout(15_000),
  });
  const body = await response.text();
  if (response.status < 200 || response.status >= 300) throw new Error(`POST /sagas/order-fulfillment answered ${response.status}: ${body}`);
  return (JSON.parse(body) as { id: string }).id;
}

async function sagaStatus(host: HostProcess, id: string): Promise<string> {
  const response = await fetch(`${host.baseUrl}/sagas/${id}`, { headers: { authorization: DEV_AUTHORIZATION }, signal: AbortSignal.timeout(10_000) });
  return ((await response.json()) as { status: string }).status;
}

/** Stops a process and waits until it is gone and its output read. */
async function stopped(child: HostProcess): Promise<void> {
  await child.stop();
  await child.closed;
}

/** What a process waited for at start, from its "Waiting for …" lines: "step: error" each, e.g. "listing topics: KafkaJSConnectionError". */
function waitsOf(child: HostProcess): string[] {
  const waits = child.output
    .join('')
    .split('\n')
    .map((line) => /Waiting for [^()]*\([^)]*\) \(([^)]*)\): ([\w ]+?)[:.].*?(?:\(([A-Z_]+)\))?\. Trying again/.exec(line))
    .filter((match): match is RegExpExecArray => !!match)
    .map(([, step, error, type]) => `${step.replace(/ topics .*/, ' topics')}: ${type ?? error}`);
  return [...new Set(waits)];
}

function lineWith(output: string, ...parts: string[]): string | undefined {
  return output.split('\n').find((line) => parts.every((part) => line.includes(part)));
}

describe('Starting on a fresh broker', () => {
  it(`a fresh broker, the host and the participants launched together: ready, and an order completes (${ITERATIONS} times)`, async () => {
    const outcomes: string[] = [];
    const failures: string[] = [];
    for (let i = 1; i <= ITERATIONS; i++) {
      const [hostSchema, participantSchema] = await Promise.all([TestSchema.create(`fresh_host_${i}`), TestSchema.create(`fresh_parts_${i}`)]);
      const { broker, answering } = await PrivateKafka.launch();
      reaper.pidIn(join(broker.dir, 'broker.pid'), 'SIGKILL');
      reaper.pidIn(join(broker.dir, 'broker.pid.starting'), 'SIGKILL');
      reaper.folder(broker.dir);
      const launchedAt = Date.now();
      const common = {
        BATON_TEST_RUN: RUN_MARK,
        KAFKA_BROKERS: broker.brokers,
        DATABASE_URL: TEST_DATABASE_URL,
        KAFKA_PARTITIONS: '3',
        LOG_FORMAT: 'json',
        STARTUP_TIMEOUT_MS: String(STARTUP_BUDGET_MS),
      };
      const host = new HostProcess({ ...common, PORT: String(await freePort()), DATABASE_SCHEMA: hostSchema.name });
      const participants = participantsProcess({ ...common, DATABASE_SCHEMA: participantSchema.name });
      try {
        await Promise.all([host.launch(), participants.launch()]);
        const running: Array<[string, HostProcess]> = [
          ['host', host],
          ['participants', participants],
        ];
        const readyAfter = await until('200 from /health/ready', READY_DEADLINE_MS, () => readyAnswers(host), running);
        const sagaId = await startOrder(host, `fresh-${RUN_MARK}-${i}`);
        await until('completed saga', SAGA_DEADLINE_MS, async () => (await sagaStatus(host, sagaId)) === 'completed', running);
        outcomes.push(
          `#${i}: ready ${(readyAfter / 1000).toFixed(1)} s after launch, saga completed ${((Date.now() - launchedAt) / 1000).toFixed(1)} s after launch; ` +
            `host waited for [${waitsOf(host).join('; ')}], participants for [${waitsOf(participants).join('; ')}]`,
        );
      } catch (error) {
        // The next iterations still run: how many of them fail, and how, is the finding.
        outcomes.push(`#${i}: FAILED after ${((Date.now() - launchedAt) / 1000).toFixed(1)} s: ${(error as Error).message.split('\n')[0]}`);
        failures.push(`#${i}: ${(error as Error).message}`);
      } finally {
        await Promise.all([stopped(host), stopped(participants)]);
        // kafka.sh has seen the broker answer (or given up) before its folder goes.
        await Promise.race([answering, new Promise((resolve) => setTimeout(resolve, 5_000))]).catch(() => undefined);
        broker.destroy();
        await Promise.all([hostSchema.drop(), participantSchema.drop()]);
      }
    }
    process.stdout.write(`Fresh broker starts:\n  ${outcomes.join('\n  ')}\n`);
    if (failures.length) throw new Error(`${failures.length} of ${ITERATIONS} starts failed:\n\n${failures.join('\n\n')}`);
  }, 1_200_000);
});

describe('A dependency that never answers', () => {
  it('host and participants pointed at a port where no broker comes exit with 3, naming Kafka and the budget', async () => {
    const [hostSchema, participantSchema] = await Promise.all([TestSchema.create('nobroker_host'), TestSchema.create('nobroker_parts')]);
    const nowhere = `127.0.0.1:${await freePort()}`;
    const common = {
      BATON_TEST_RUN: RUN_MARK,
      KAFKA_BROKERS: nowhere,
      DATABASE_URL: TEST_DATABASE_URL,
      LOG_FORMAT: 'json',
      STARTUP_TIMEOUT_MS: String(SHORT_BUDGET_MS),
    };
    const host = new HostProcess({ ...common, DATABASE_SCHEMA: hostSchema.name });
    const participants = participantsProcess({ ...common, DATABASE_SCHEMA: participantSchema.name });
    try {
      await Promise.all([host.launch(), participants.launch()]);
      const deadline = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`Still running after ${EXIT_DEADLINE_MS / 1000} s`)), EXIT_DEADLINE_MS).unref(),
      );
      const [hostExit, participantsExit] = await Promise.race([Promise.all([host.closed!, participants.closed!]), deadline]);
      for (const [name, exit, child] of [
        ['host', hostExit, host],
        ['participants', participantsExit, participants],
      ] as const) {
        const output = child.output.join('');
        // The output with it: an exit other than 3 says why only there.
        expect({ name, exit, output: exit.code === 3 ? '(exited with 3)' : output }).toEqual({ name, exit: { code: 3, signal: null }, output: '(exited with 3)' });
        const line = lineWith(output, 'Could not start', 'Kafka', nowhere, `${SHORT_BUDGET_MS / 1000} s`);
        if (!line) throw new Error(`${name} did not say Kafka (${nowhere}) did not answer within ${SHORT_BUDGET_MS / 1000} s:\n${output}`);
      }
    } finally {
      await Promise.all([stopped(host), stopped(participants)]);
      await Promise.all([hostSchema.drop(), participantSchema.drop()]);
    }
  }, 180_000);

  it('a host pointed at a PostgreSQL port where nothing listens exits with 3, naming the database', async () => {
    const port = await freePort();
    const host = new HostProcess({
      BATON_TEST_RUN: RUN_MARK,
      KAFKA_BROKERS: `127.0.0.1:${await freePort()}`,
      DATABASE_URL: `postgres://baton:secret-password@127.0.0.1:${port}/baton`,
      LOG_FORMAT: 'json',
      STARTUP_TIMEOUT_MS: String(SHORT_BUDGET_MS),
    });
    try {
      await host.launch();
      const deadline = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`Still running after ${EXIT_DEADLINE_MS / 1000} s`)), EXIT_DEADLINE_MS).unref(),
      );
      const exit = await Promise.race([host.closed!, deadline]);
      const output = host.output.join('');
      expect(exit).toEqual({ code: 3, signal: null });
      const line = lineWith(output, 'Could not start', 'database', `127.0.0.1:${port}`, `${SHORT_BUDGET_MS / 1000} s`);
      if (!line) throw new Error(`The host did not say the database (127.0.0.1:${port}) did not answer within ${SHORT_BUDGET_MS / 1000} s:\n${output}`);
      expect(output).not.toContain('secret-password');
    } finally {
      await stopped(host);
    }
  }, 180_000);
});
