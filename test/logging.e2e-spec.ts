import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HostProcess } from './support/host-process';
import { eventually, orderFor } from './support/orders';
import { DEV_AUTHORIZATION } from './support/test-app';

/**
 * The compiled host, run as in production with LOG_FORMAT=json, writes one
 * JSON object per line; every line about a saga names it, its correlation id
 * and, with tracing on, its trace. Embedded database, participants in process.
 */

type LogLine = Record<string, unknown>;

const hosts: HostProcess[] = [];
let collector: Server | undefined;

afterAll(async () => {
  await Promise.all(hosts.map((host) => host.stop()));
  await new Promise((resolve) => (collector ? collector.close(resolve) : resolve(undefined)));
});

function startHost(env: Record<string, string>): Promise<HostProcess> {
  const host = new HostProcess({
    PGLITE_DATA_DIR: 'memory://',
    PARTICIPANTS: 'in-process',
    // Empty counts as unset: whatever the test's environment says, the embedded defaults.
    DATABASE_URL: '',
    KAFKA_BROKERS: '',
    OTEL_EXPORTER_OTLP_ENDPOINT: '',
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'debug',
    ...env,
  });
  hosts.push(host);
  return host.start().then(() => host);
}

/** The process output's JSON lines; anything else (a stray console line) is skipped. */
function jsonLines(host: HostProcess): LogLine[] {
  return host.output
    .join('')
    .split('\n')
    .flatMap((line) => {
      try {
        const value: unknown = JSON.parse(line);
        return value && typeof value === 'object' ? [value as LogLine] : [];
      } catch {
        return [];
      }
    });
}

/** Starts an order whose payment is refused, waits until it is compensated, and returns the saga and its history. */
async function refusedOrder(host: HostProcess) {
  const started = await fetch(`${host.baseUrl}/sagas/order-fulfillment`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: DEV_AUTHORIZATION },
    body: JSON.stringify(orderFor('payment-refused', `logging-${randomUUID()}`)),
  });
  expect(started.status).toBe(202);
  const { id } = (await started.json()) as { id: string };
  const saga = await eventually(async () => {
    const body = (await (await fetch(`${host.baseUrl}/sagas/${id}`)).json()) as { status: string; correlationId: string };
    return body.status === 'compensated' ? body : undefined;
  }, 20_000, 'the saga to be compensated');
  const history = (await (await fetch(`${host.baseUrl}/sagas/${id}/history`)).json()) as { items: Array<{ kind: string }> };
  return { id, correlationId: saga.correlationId, steps: history.items.filter((entry) => entry.kind !== 'ignored').length };
}

/** Waits until the output holds one "Step applied" line per step of the saga (the pipe may lag the API). */
async function stepLines(host: HostProcess, sagaId: string, steps: number): Promise<LogLine[]> {
  return eventually(async () => {
    const lines = jsonLines(host).filter((line) => line.sagaId === sagaId && line.msg === 'Step applied');
    return lines.length >= steps ? lines : undefined;
  }, 60_000, `${steps} step lines of saga ${sagaId}`);
}

describe('The host with LOG_FORMAT=json', () => {
  it('logs each step of a saga as a JSON line carrying its saga id and correlation id, and nothing else as about a saga', async () => {
    const host = await startHost({});
    const { id, correlationId, steps } = await refusedOrder(host);
    const lines = await stepLines(host, id, steps);

    expect(lines).toHaveLength(steps);
    for (const line of lines) {
      expect(line).toEqual(
        expect.objectContaining({
          level: 'debug',
          time: expect.any(String),
          pid: expect.any(Number),
          name: 'baton',
          context: 'SagaStep',
          sagaId: id,
          sagaName: 'order-fulfillment',
          correlationId,
        }),
      );
    }
    expect(lines.map((line) => line.event)).toEqual(expect.arrayContaining(['start', 'PaymentRefused']));
    expect(lines[lines.length - 1]).toEqual(expect.objectContaining({ status: 'compensated' }));
    // A reply's step names the message it applies.
    expect(lines.find((line) => line.event === 'PaymentRefused')).toEqual(expect.objectContaining({ messageId: expect.any(String) }));

    const startup = jsonLines(host).find((line) => String(line.msg).startsWith('Baton is listening'));
    expect(startup).toEqual(expect.objectContaining({ level: 'info', context: 'Baton' }));
    expect(startup).not.toHaveProperty('sagaId');
  });

  it('adds the trace id of the saga to each of its lines when tracing is on', async () => {
    // An OTLP endpoint that takes every export, so the host traces without a collector.
    collector = createServer((request, response) => {
      request.resume();
      request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    });
    await new Promise<void>((resolve) => collector!.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    const host = await startHost({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
    const { id, steps } = await refusedOrder(host);
    const lines = await stepLines(host, id, steps);

    const traceIds = new Set(lines.map((line) => line.traceId));
    expect([...traceIds]).toEqual([expect.stringMatching(/^[0-9a-f]{32}$/)]);
  });
});
