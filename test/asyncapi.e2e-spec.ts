import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DiagnosticSeverity, Parser, type AsyncAPIDocumentInterface, type Diagnostic, type SchemaInterface } from '@asyncapi/parser';
import request from 'supertest';
import { setup } from 'xstate';
import { z } from 'zod';
import { SagaRegistry, command, defaultTopicNames, defineSaga, event, sagaStep, type SagaDefinition, type TopicNames } from '@baton/core';
import { asyncApiDocument, type AsyncApiDocument } from '@baton/nest';
import { ReserveStock, StockRefused, StockReserved } from '@example/order-fulfillment-contracts';
import { loadExampleConfig } from '../src/config/example.config';
import { hostSagas } from '../src/host-sagas';
import { startTestApp, type RunningTestApp } from './support/test-app';

/**
 * The AsyncAPI document of the sagas' messages: generated from the example
 * host's sagas, served at GET /asyncapi.json, and written by `npm run
 * asyncapi`, each accepted by the AsyncAPI parser (offline: any reference it
 * would fetch is recorded and fails the test) and saying what the contracts
 * say.
 */

const ROOT = join(__dirname, '..');
/** AsyncAPI's pattern of component keys (channels, operations, messages, schemas). */
const COMPONENT_KEY = /^[a-zA-Z0-9.\-_]+$/;
const REQUIRED_HEADERS = ['message-id', 'message-type', 'schema-version', 'saga-id', 'saga-name', 'correlation-id', 'sent-at'];

const exampleSagas = () => hostSagas(loadExampleConfig({}));

/** A diagnostic on one line, for a failure message. */
const describeDiagnostic = (d: Diagnostic) => `${DiagnosticSeverity[d.severity]} ${d.code} at ${d.path.join('/') || '(root)'}: ${d.message}`;

/**
 * Parses and validates a document with the AsyncAPI parser, without the
 * network: the resolvers of http, https and file references record the
 * reference instead of fetching it, and the test expects none.
 */
async function parseOffline(document: unknown): Promise<AsyncAPIDocumentInterface> {
  const fetched: string[] = [];
  const record = (scheme: string) => ({
    schema: scheme,
    order: 1,
    read: (uri: { toString(): string }) => {
      fetched.push(uri.toString());
      return '{}';
    },
  });
  const parser = new Parser({ __unstable: { resolver: { cache: false, resolvers: ['http', 'https', 'file'].map(record) } } });
  // parse() validates too: its diagnostics are the validation's.
  const { document: parsed, diagnostics } = await parser.parse(JSON.stringify(document));
  const problems = diagnostics.filter((d) => d.severity <= DiagnosticSeverity.Warning);
  if (problems.some((d) => d.severity === DiagnosticSeverity.Error)) console.error(problems.map(describeDiagnostic).join('\n'));
  expect(problems.filter((d) => d.severity === DiagnosticSeverity.Error).map(describeDiagnostic)).toEqual([]);
  expect(fetched).toEqual([]);
  expect(parsed).toBeDefined();
  return parsed!;
}

/** The channel whose address is `address`. */
function channelAt(document: AsyncAPIDocumentInterface, address: string) {
  const channel = document.channels().all().find((c) => c.address() === address);
  if (!channel) throw new Error(`no channel at ${address}; channels: ${document.channels().all().map((c) => c.address()).join(', ')}`);
  return channel;
}

/** The ids of the messages of an operation's reply. */
function replyIds(document: AsyncAPIDocumentInterface, operationId: string): string[] {
  const reply = document.operations().get(operationId)?.reply();
  return reply?.messages().all().map((message) => message.id()) ?? [];
}

/** What the example's contracts say, checked on a parsed document whose topics are `topics`. */
function expectExampleContracts(document: AsyncAPIDocumentInterface, raw: AsyncApiDocument, topics: TopicNames): void {
  const [saga] = exampleSagas();
  for (const contract of saga.commands.values()) {
    const channel = channelAt(document, topics.commands(contract.participant));
    const message = channel.messages().get(contract.type);
    expect([contract.type, message?.payload()?.type()]).toEqual([contract.type, 'object']);
    const { $schema: _dialect, ...schema } = z.toJSONSchema(contract.schema, { target: 'draft-7', io: 'input', unrepresentable: 'any' });
    expect([contract.type, raw.components.messages[contract.type].payload]).toEqual([contract.type, schema]);
    const send = document.operations().get(`send.${contract.type}`)!;
    expect([contract.type, send.action(), send.channels().all().map((c) => c.address())]).toEqual([contract.type, 'send', [topics.commands(contract.participant)]]);
  }

  expect(replyIds(document, 'send.ReserveStock')).toEqual(['StockReserved', 'StockRefused', 'CommandFailed']);
  expect(document.operations().get('send.ReserveStock')!.reply()!.channel()!.address()).toBe(topics.replies);
  expect(replyIds(document, 'send.ReleaseStock')).toEqual(['StockReleased', 'CommandFailed']);
  expect(document.operations().get('send.NotifyCustomer')!.reply()).toBeUndefined();
  expect(raw.operations['send.ReserveStock']).toEqual(
    expect.objectContaining({ 'x-baton-completed-by': ['StockReserved'], 'x-baton-refused-by': ['StockRefused'], 'x-baton-compensated-by': ['ReleaseStock'] }),
  );
  expect(raw.operations['send.ReleaseStock']).toEqual(expect.objectContaining({ 'x-baton-compensates': ['ReserveStock'], 'x-baton-confirmed-by': ['StockReleased'] }));

  const replies = channelAt(document, topics.replies);
  for (const type of ['StockReserved', 'StockRefused', 'StockReleased', 'PaymentAuthorized', 'AuthorizationVoided', 'ShipmentCancelled', 'CommandFailed']) {
    expect([type, replies.messages().get(type)?.id()]).toEqual([type, type]);
    expect([type, document.operations().get(`receive.${type}`)?.action()]).toEqual([type, 'receive']);
  }

  const reserve = document.messages().get('ReserveStock')!;
  expect(reserve.headers()!.required()).toEqual(expect.arrayContaining([...REQUIRED_HEADERS, 'reply-to']));
  expect(reserve.headers()!.required()).not.toContain('compensates');
  expect(Object.keys(reserve.headers()!.properties()!)).toEqual(expect.arrayContaining(['kafka_correlationId', 'kafka_replyTopic', 'traceparent']));
  expect(document.messages().get('ReleaseStock')!.headers()!.required()).toEqual(expect.arrayContaining([...REQUIRED_HEADERS, 'reply-to', 'compensates']));
  expect(document.messages().get('StockReserved')!.headers()!.required()).toEqual(expect.arrayContaining([...REQUIRED_HEADERS, 'causation-id']));
  expect(raw.components.messages.ReserveStock.bindings).toEqual({ kafka: expect.objectContaining({ key: expect.objectContaining({ format: 'uuid' }) }) });
}

/** Every key of the document's maps that AsyncAPI says must match COMPONENT_KEY. */
function componentKeys(raw: AsyncApiDocument): string[] {
  return [
    ...Object.keys(raw.channels),
    ...Object.keys(raw.operations),
    ...Object.keys(raw.components.messages),
    ...Object.keys(raw.components.schemas),
    ...Object.values(raw.channels).flatMap((channel) => Object.keys(channel.messages as object)),
  ];
}

describe('The AsyncAPI document', () => {
  describe('of the example saga', () => {
    const topics = defaultTopicNames({ prefix: 'acme.', replies: 'orders.replies' });
    const raw = asyncApiDocument(new SagaRegistry(exampleSagas()), { topics, servers: { 'broker-1': { host: '127.0.0.1:9092', protocol: 'kafka' } } });

    it('is a valid AsyncAPI 3.0.0 document with the contracts, their channels and who answers what', async () => {
      expect(raw.asyncapi).toBe('3.0.0');
      const document = await parseOffline(raw);

      expect(document.version()).toBe('3.0.0');
      expect(document.servers().get('broker-1')?.protocol()).toBe('kafka');
      expectExampleContracts(document, raw, topics);
      expect(componentKeys(raw).filter((key) => !COMPONENT_KEY.test(key))).toEqual([]);
    });
  });

  describe('of several sagas and versions', () => {
    /** A schema with an id, and a recursive one: JSON Schema refers to them, so they move to components.schemas. */
    const Line = z.object({ sku: z.string(), quantity: z.number().int() }).meta({ id: 'StockLine' });
    const Bundle = z.object({
      name: z.string(),
      get parts(): z.ZodArray<typeof Bundle> {
        return z.array(Bundle);
      },
    });
    const ReserveStockV2 = command('ReserveStock', {
      participant: 'inventory',
      version: 2,
      schema: z.object({ orderId: z.string(), lines: z.array(Line), bundles: z.array(Bundle), warehouse: z.string() }),
    });
    /** Declared as v1 like the example's, but with another payload: the two sagas disagree. */
    const OtherStockRefused = event('StockRefused', { schema: z.object({ reason: z.string(), retryAfter: z.string() }) });

    /** A one-step saga: reserve, then end. */
    function stockCheck(version: number, reserve: typeof ReserveStock | typeof ReserveStockV2, refused = StockRefused): SagaDefinition {
      const step = sagaStep<{ orderId: string }, any>({
        name: 'reserve',
        command: reserve,
        payload: ({ context }) => ({ orderId: context.orderId, items: [], lines: [], warehouse: 'north' }),
        completedBy: [StockReserved],
        refusedBy: [refused],
        noCompensation: 'a check: the reservation lapses by itself',
      });
      const machine = setup({ types: { context: {} as { orderId: string }, input: {} as { orderId: string }, events: {} as { type: string } } }).createMachine({
        id: 'stock-check',
        context: ({ input }) => input,
        initial: 'reserving',
        states: {
          reserving: { entry: step.send, on: { StockReserved: 'done', StockRefused: 'done', StepFailed: 'done' } },
          done: { type: 'final' },
        },
      });
      return defineSaga({
        name: 'stock-check',
        version,
        description: `Checks stock (v${version}).`,
        input: z.object({ orderId: z.string() }),
        commands: [reserve],
        events: [StockReserved, refused],
        steps: [step],
        machine,
      });
    }

    const topics = defaultTopicNames();
    const registry = new SagaRegistry([...exampleSagas(), stockCheck(1, ReserveStock), stockCheck(2, ReserveStockV2), stockCheck(3, ReserveStockV2, OtherStockRefused)]);
    const raw = asyncApiDocument(registry, { topics });

    it('keys one contract declared alike by several sagas once, and each version or variant of a contract apart', async () => {
      const document = await parseOffline(raw);
      const messages = Object.keys(raw.components.messages);

      expect(componentKeys(raw).filter((key) => !COMPONENT_KEY.test(key))).toEqual([]);
      expect(messages.filter((key) => key.startsWith('ReserveStock'))).toEqual(['ReserveStock.v1', 'ReserveStock.v2']);
      expect(messages.filter((key) => key.startsWith('StockRefused')).sort()).toEqual(['StockRefused.v1.order-fulfillment.v1', 'StockRefused.v1.stock-check.v3']);
      expect(messages.filter((key) => key.startsWith('StockReserved') || key.startsWith('CommandFailed'))).toEqual(['StockReserved', 'CommandFailed']);
      expect(raw.components.messages['ReserveStock.v1']['x-baton-sagas']).toEqual([
        { name: 'order-fulfillment', version: 1 },
        { name: 'stock-check', version: 1 },
      ]);
      expect(raw.components.messages['ReserveStock.v2']['x-baton-sagas']).toEqual([
        { name: 'stock-check', version: 2 },
        { name: 'stock-check', version: 3 },
      ]);

      const inventory = channelAt(document, topics.commands('inventory'));
      expect(inventory.messages().all().map((message) => message.id())).toEqual(['ReserveStock.v1', 'ReleaseStock', 'ReserveStock.v2']);
      expect(document.messages().get('ReserveStock.v2')!.headers()!.properties()!['schema-version'].const()).toBe('2');
      expect(replyIds(document, 'send.ReserveStock.v1')).toEqual(['StockReserved', 'StockRefused.v1.order-fulfillment.v1', 'CommandFailed']);
      expect(replyIds(document, 'send.ReserveStock.v2')).toEqual([
        'StockReserved',
        'StockRefused.v1.order-fulfillment.v1',
        'CommandFailed',
        'StockRefused.v1.stock-check.v3',
      ]);
      expect(document.messages().get('StockRefused.v1.stock-check.v3')!.payload()!.required()).toEqual(['reason', 'retryAfter']);

      const v2 = document.messages().get('ReserveStock.v2')!.payload()!.properties()!;
      // StockLine by its id; the recursive Bundle under a name zod chooses.
      expect(Object.keys(raw.components.schemas)).toEqual(expect.arrayContaining(['ReserveStock.v2.StockLine']));
      expect(Object.keys(raw.components.schemas).every((id) => id.startsWith('ReserveStock.v2.'))).toBe(true);
      expect(Object.keys(raw.components.schemas)).toHaveLength(2);
      expect((v2.lines.items() as SchemaInterface).properties()!.sku.type()).toBe('string');
      expect(((v2.bundles.items() as SchemaInterface).properties()!.parts.items() as SchemaInterface).properties()!.name.type()).toBe('string');
    });
  });

  describe('at GET /asyncapi.json', () => {
    let running: RunningTestApp;

    beforeAll(async () => {
      running = await startTestApp('postgres', { TOPIC_PREFIX: 'served.', REPLY_TOPIC: 'answers' });
    });

    afterAll(async () => {
      await running?.close();
    });

    it("describes the host's sagas on its configured topics", async () => {
      const response = await request(running.server).get('/asyncapi.json').expect(200);

      expect(response.headers['content-type']).toMatch(/^application\/json\b/);
      const document = await parseOffline(response.body);
      expectExampleContracts(document, response.body, defaultTopicNames({ prefix: 'served.', replies: 'answers' }));
      expect(channelAt(document, 'served.answers').id()).toBe('replies');
    });

    it('is listed in the OpenAPI document', async () => {
      const { body } = await request(running.server).get('/docs-json').expect(200);

      expect(body.paths['/asyncapi.json'].get.tags).toEqual(['definitions']);
    });
  });

  describe('written by npm run asyncapi', () => {
    let directory: string;

    beforeAll(() => {
      directory = mkdtempSync(join(tmpdir(), 'baton-asyncapi-'));
    });

    afterAll(() => {
      rmSync(directory, { recursive: true, force: true });
    });

    it("writes the example host's document, on the topics of TOPIC_PREFIX and REPLY_TOPIC and the brokers of KAFKA_BROKERS, to asyncapi.json where it was run", async () => {
      const env = { ...process.env, TOPIC_PREFIX: 'cli.', REPLY_TOPIC: 'cli-replies', KAFKA_BROKERS: 'kafka-a:9092,kafka-b:9092' };
      const { stdout } = await promisify(execFile)('npm', ['--prefix', ROOT, 'run', '--silent', 'asyncapi'], { cwd: directory, env, timeout: 60_000 });

      expect(stdout).toContain(`to ${join(directory, 'asyncapi.json')}`);
      const raw = JSON.parse(readFileSync(join(directory, 'asyncapi.json'), 'utf8')) as AsyncApiDocument;
      const document = await parseOffline(raw);
      expectExampleContracts(document, raw, defaultTopicNames({ prefix: 'cli.', replies: 'cli-replies' }));
      expect(document.servers().all().map((server) => server.host())).toEqual(['kafka-a:9092', 'kafka-b:9092']);
    });
  });
});
