import { Controller, Get, Module, NotFoundException, Param, type DynamicModule, type LoggerService, type NestApplicationOptions } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { DEVELOPMENT_API_KEY, SagaModule, configureBatonHttp, type BatonHttpOptions, type SagaModuleOptions } from '@baton/nest';
import { createOrderFulfillmentSaga } from '@example/sagas';
import { orderFor } from './support/orders';
import { expectProblem } from './support/test-app';

/**
 * SagaModule in an app of its user's, not the bundled host: a module of
 * theirs with a controller of theirs, the app created with Nest's defaults
 * (its own body parser on), embedded PGlite in memory and the in-process
 * transport. What the module does by itself (keys, problem+json), what
 * configureBatonHttp adds, and what happens when that call is missing.
 */

const ORDERS = '/sagas/order-fulfillment';
const DEV_KEY = { Authorization: `Bearer ${DEVELOPMENT_API_KEY.key}` };

/** A controller of the user's app, outside SagaModule. */
@Controller('shop')
class ShopController {
  @Get('orders/:id')
  find(@Param('id') id: string): never {
    throw new NotFoundException(`No order ${id} in this shop.`);
  }
}

@Module({})
class ShopModule {
  static forRoot(options: Partial<SagaModuleOptions> = {}): DynamicModule {
    return {
      module: ShopModule,
      imports: [SagaModule.forRoot({ sagas: [createOrderFulfillmentSaga()], database: { dataDir: 'memory://' }, ...options })],
      controllers: [ShopController],
    };
  }
}

/** Keeps what the app logs, to look at. */
class RecordingLogger implements LoggerService {
  readonly lines: Array<{ level: string; message: string }> = [];
  log = (message: unknown) => this.record('log', message);
  warn = (message: unknown) => this.record('warn', message);
  error = (message: unknown) => this.record('error', message);
  debug = (message: unknown) => this.record('debug', message);
  verbose = (message: unknown) => this.record('verbose', message);

  at(level: string): string[] {
    return this.lines.filter((line) => line.level === level).map((line) => line.message);
  }

  private record(level: string, message: unknown): void {
    this.lines.push({ level, message: String(message) });
  }
}

interface UserApp {
  app: NestExpressApplication;
  logger: RecordingLogger;
}

/** The user's app, created as Nest's docs show (no bodyParser option), set up by `setUp` before init. */
async function userApp(
  setUp: (app: NestExpressApplication) => void,
  moduleOptions: Partial<SagaModuleOptions> = {},
  appOptions: NestApplicationOptions = {},
): Promise<UserApp> {
  const logger = new RecordingLogger();
  const moduleRef = await Test.createTestingModule({ imports: [ShopModule.forRoot(moduleOptions)] })
    .setLogger(logger)
    .compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ logger, ...appOptions });
  try {
    setUp(app);
    await app.init();
  } catch (error) {
    await app.close();
    throw error;
  }
  return { app, logger };
}

/** Runs the user's app around the tests of the enclosing describe. */
function useUserApp(setUp: (app: NestExpressApplication) => void, moduleOptions?: Partial<SagaModuleOptions>, appOptions?: NestApplicationOptions) {
  let running: UserApp;
  beforeAll(async () => {
    running = await userApp(setUp, moduleOptions, appOptions);
  });
  afterAll(async () => {
    await running?.app.close();
  });
  return { api: () => request(running.app.getHttpServer()), logger: () => running.logger };
}

/** A start whose body is Latin-1, not UTF-8: "café" with é as the single byte E9. */
function sendLatin1(api: ReturnType<typeof request>) {
  const body = Buffer.concat([Buffer.from('{"orderId": "caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
  // The bytes as they are: superagent would send a Buffer with a JSON type as JSON.stringify(buffer).
  return api.post(ORDERS).set(DEV_KEY).set('content-type', 'application/json').serialize((bytes: unknown) => bytes as string).send(body);
}

const configured = (options?: BatonHttpOptions) => (app: NestExpressApplication) => configureBatonHttp(app, options);

describe("SagaModule in a user's app with configureBatonHttp(app)", () => {
  const { api, logger } = useUserApp(configured({ bodyLimit: '2kb' }));

  it('answers a malformed body with a problem+json 400, from its own parser though Nest’s default one is on', async () => {
    const response = await api().post(ORDERS).set(DEV_KEY).set('content-type', 'application/json').send('{"orderId": ');
    expectProblem(response, 400, 'malformed-json');
  });

  it('applies its body limit, UTF-8 check and media-type rule', async () => {
    const large = JSON.stringify({ ...orderFor('completes', 'large'), padding: 'x'.repeat(4096) });
    expectProblem(await api().post(ORDERS).set(DEV_KEY).set('content-type', 'application/json').send(large), 413, 'body-too-large');

    expectProblem(await sendLatin1(api()), 400, 'invalid-utf8');

    expectProblem(await api().post(ORDERS).set(DEV_KEY).type('form').send('orderId=1'), 415, 'unsupported-media-type');
  });

  it('serves the OpenAPI document at /docs, with the input schema of each saga', async () => {
    const page = await api().get('/docs').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const document = (await api().get('/docs-json').expect(200)).body;
    expect(document.paths['/sagas/{name}'].post.requestBody.content['application/json'].schema.oneOf).toEqual([
      { $ref: '#/components/schemas/order-fulfillment-input' },
    ]);
  });

  it('starts a saga with the development key, without keys configured outside production, and warned about it', async () => {
    const response = await api().post(ORDERS).set(DEV_KEY).send(orderFor('completes', 'with-dev-key')).expect(202);
    expect(response.body).toMatchObject({ id: expect.any(String), status: 'running' });
    expect(logger().at('warn')).toEqual([
      'auth.keys of SagaModule.forRoot is unset: the development key "baton-dev-key" (role operator) is accepted, ' +
        "e.g. -H 'Authorization: Bearer baton-dev-key'. Set auth.keys of SagaModule.forRoot before anyone else can reach this app; " +
        'with NODE_ENV=production it does not start without keys.',
    ]);
    expect(logger().at('error')).toEqual([]);
  });

  it('answers a start without a key with 401 problem+json saying how to send one', async () => {
    const response = await api().post(ORDERS).send(orderFor('completes', 'without-key'));
    expectProblem(response, 401, 'unauthenticated');
    expect(response.headers['www-authenticate']).toMatch(/^Bearer\b/);
    expect(response.body.detail).toMatch(/"Authorization: Bearer <key>" or "X-API-Key: <key>"/);
  });

  it("answers errors of the user's own routes, and unknown routes, with problem+json too", async () => {
    const own = await api().get('/shop/orders/17').expect(404);
    expect(own.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(own.body).toMatchObject({ status: 404, detail: 'No order 17 in this shop.', instance: '/shop/orders/17' });
    const unknown = await api().get('/nowhere').expect(404);
    expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

describe("SagaModule in a user's app created with rawBody: true", () => {
  const { api } = useUserApp(configured(), {}, { rawBody: true });

  it('keeps the UTF-8 check, which Nest’s raw-body option would otherwise replace', async () => {
    expectProblem(await sendLatin1(api()), 400, 'invalid-utf8');
    await api().post(ORDERS).set(DEV_KEY).send(orderFor('completes', 'raw-body')).expect(202);
  });
});

describe("SagaModule in a user's app without configureBatonHttp(app)", () => {
  const { api, logger } = useUserApp(() => undefined);

  it('logs an error at start naming the call and what is missing', () => {
    const errors = logger().at('error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^configureBatonHttp\(app\) was not called: this app serves HTTP/);
    for (const missing of ['body parser', 'input rules', 'problem+json', '/docs', "Call configureBatonHttp(app) from '@baton/nest'"]) {
      expect(errors[0]).toContain(missing);
    }
  });

  it('still guards its routes and answers in problem+json (the module does that by itself), but serves no /docs', async () => {
    expectProblem(await api().post(ORDERS).send(orderFor('completes', 'unconfigured')), 401, 'unauthenticated');
    await api().post(ORDERS).set(DEV_KEY).send(orderFor('completes', 'unconfigured-dev-key')).expect(202);
    expectProblem(await api().get('/sagas/not-a-uuid'), 400, 'malformed-id');
    const docs = await api().get('/docs').expect(404);
    expect(docs.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

describe('configureBatonHttp(app) called at the wrong time', () => {
  it('refuses after app.init(), when the routes are already in place', async () => {
    const { app } = await userApp(() => undefined);
    try {
      expect(() => configureBatonHttp(app)).toThrow(/called after the app registered its routes.*before app.init\(\) and app.listen\(\)/);
    } finally {
      await app.close();
    }
  });

  it('refuses a second call, and a JSON body parser installed before it', async () => {
    await expect(userApp((app) => (configureBatonHttp(app), configureBatonHttp(app)))).rejects.toThrow(/called twice on this app/);
    await expect(userApp((app) => (app.useBodyParser('json', { limit: '1mb' }), configureBatonHttp(app)))).rejects.toThrow(
      /this app has one already.*configureBatonHttp\(app, \{ bodyLimit \}\)/,
    );
  });
});

describe('SagaModule with NODE_ENV=production', () => {
  const nodeEnv = process.env.NODE_ENV;
  beforeEach(() => {
    process.env.NODE_ENV = 'production';
  });
  afterEach(() => {
    process.env.NODE_ENV = nodeEnv;
  });

  it('refuses to start an app that serves HTTP without keys, saying what to set', async () => {
    await expect(userApp(configured())).rejects.toThrow(
      /^SagaModule cannot start: auth.keys of SagaModule.forRoot is unset, and NODE_ENV=production does not accept the development key\. Set auth.keys/,
    );
  });

  it('starts without keys where nothing serves HTTP (an application context: a worker, say)', async () => {
    const context = await Test.createTestingModule({ imports: [ShopModule.forRoot()] }).compile();
    await context.init();
    await context.close();
  });

  it('starts with keys, and then refuses the development key', async () => {
    const { app } = await userApp(configured(), { auth: { keys: [{ name: 'ops', key: 'prod-operator-key', role: 'operator' }] } });
    try {
      const api = () => request(app.getHttpServer());
      expectProblem(await api().post(ORDERS).set(DEV_KEY).send(orderFor('completes', 'prod-dev-key')), 401, 'unauthenticated');
      await api().post(ORDERS).set('Authorization', 'Bearer prod-operator-key').send(orderFor('completes', 'prod-key')).expect(202);
    } finally {
      await app.close();
    }
  });
});
