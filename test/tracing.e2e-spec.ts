import { randomBytes } from 'node:crypto';
import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import request from 'supertest';
import { TEST_KAFKA_BROKERS } from './support/kafka-broker';
import { eventually, orderFor } from './support/orders';
import { DEV_AUTHORIZATION, startTestApp, type RunningTestApp } from './support/test-app';

/**
 * One trace per saga, across the host and the participants over real Kafka:
 * the start request is the root; the start step, every publish, every
 * command handled and every reply consumed hang below it through the trace
 * context the messages carry (stored in the outbox at write time).
 */

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
let host: RunningTestApp;

beforeAll(async () => {
  provider.register();
  const prefix = `trace${randomBytes(3).toString('hex')}.`;
  host = await startTestApp('postgres', {
    KAFKA_BROKERS: TEST_KAFKA_BROKERS,
    TOPIC_PREFIX: prefix,
    // A group of its own: another suite's host on the shared broker must not share its partitions.
    KAFKA_GROUP_ID: `${prefix}orchestrator`,
    // The example participants in this process, so one exporter sees both sides; they still talk over Kafka.
    PARTICIPANTS: 'in-process',
  });
}, 120_000);

afterAll(async () => {
  await host?.close();
  await provider.shutdown();
  trace.disable();
});

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe('A saga run across host and participants over Kafka', () => {
  it('is one trace: the start request is the root, and each message hangs below the step that sent it', async () => {
    const { body } = await request(host.server)
      .post('/sagas/order-fulfillment')
      .set('content-type', 'application/json')
      .set('authorization', DEV_AUTHORIZATION)
      .send(orderFor('completes', 'traced-1'))
      .expect(202);
    await eventually(async () => {
      const spans = exporter.getFinishedSpans().filter((span) => span.name === 'handle NotifyCustomer');
      return spans.some((span) => span.attributes['saga.id'] === body.id) ? true : undefined;
    }, 30_000, 'the saga to reach its notification');

    const root = exporter.getFinishedSpans().find((span) => span.name === 'POST /sagas/order-fulfillment' && !parentOf(span))!;
    const spans = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === root.spanContext().traceId);
    const byId = new Map(spans.map((span) => [span.spanContext().spanId, span]));
    const named = (name: string) => {
      const found = spans.filter((span) => span.name === name);
      expect({ name, count: found.length }).toEqual({ name, count: 1 });
      return found[0];
    };
    const parentName = (name: string) => byId.get(parentOf(named(name))!)?.name;

    // Every span of the saga is in the root's trace, and every parent is one of them.
    const sagaSpans = exporter.getFinishedSpans().filter((span) => span.attributes['saga.id'] === body.id);
    expect(sagaSpans.length).toBeGreaterThan(10);
    sagaSpans.forEach((span) => expect(span.spanContext().traceId).toBe(root.spanContext().traceId));
    spans.filter((span) => span !== root).forEach((span) => expect(byId.has(parentOf(span)!)).toBe(true));

    expect(parentName('saga.start order-fulfillment')).toBe('POST /sagas/order-fulfillment');
    for (const [command, reply] of [
      ['ReserveStock', 'StockReserved'],
      ['AuthorizePayment', 'PaymentAuthorized'],
      ['ScheduleShipment', 'ShipmentScheduled'],
    ]) {
      expect(parentName(`handle ${command}`)).toBe(`publish ${command}`);
      expect(parentName(`publish ${reply}`)).toBe(`handle ${command}`);
      expect(parentName(`saga.step ${reply}`)).toBe(`publish ${reply}`);
    }
    expect(parentName('publish ReserveStock')).toBe('saga.start order-fulfillment');
    expect(parentName('publish AuthorizePayment')).toBe('saga.start order-fulfillment');
    // The shipment is sent by whichever reply completed the fan-out; the notification by the shipment's reply.
    expect(['saga.step StockReserved', 'saga.step PaymentAuthorized']).toContain(parentName('publish ScheduleShipment'));
    expect(parentName('publish NotifyCustomer')).toBe('saga.step ShipmentScheduled');
    expect(parentName('handle NotifyCustomer')).toBe('publish NotifyCustomer');

    const step = named('saga.step ShipmentScheduled');
    expect(step.attributes).toMatchObject({
      'saga.id': body.id,
      'saga.name': 'order-fulfillment',
      'message.type': 'ShipmentScheduled',
      'saga.state.before': '"shipping"',
      'saga.state.after': '"completed"',
      'saga.status': 'completed',
    });
  });
});
