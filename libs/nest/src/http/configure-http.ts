import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { z } from 'zod';
import { SagaRegistry } from '@baton/core';
import { httpServerSpans } from '../tracing/http-server-spans.middleware';
import { bodyParserErrors } from './body-parser-errors.middleware';
import { answerClientErrors } from './client-errors';
import { isJsonBody, storableBody, urlAndMediaType, verifyUtf8Body } from './input-rules.middleware';

/** Options of `configureBatonHttp`. */
export interface BatonHttpOptions {
  /** Largest accepted JSON body (bytes, or a string like '256kb'); larger ones are answered 413. @default '256kb' */
  bodyLimit?: string | number;
  /** Where the OpenAPI UI is served (its JSON at `${docsPath}-json`). @default 'docs' */
  docsPath?: string;
}

/** The Express apps configureBatonHttp has set up; SagaModule checks at start that its app is one (see HttpStartChecks). */
const configured = new WeakSet<object>();

/** Whether configureBatonHttp has set up the Express app `instance` (the HTTP adapter's `getInstance()`). */
export function isBatonHttpConfigured(instance: object): boolean {
  return configured.has(instance);
}

/** The part of an Express router layer looked at here. */
interface RouterLayer {
  name?: string;
  route?: unknown;
  handle?: { name?: string };
}

/**
 * What SagaModule's REST API needs from the app object, in one call between
 * `NestFactory.create` (or `createNestApplication`) and `app.listen` (or
 * `app.init`). It adds, in this order, before any route: a server span per
 * request, the input rules every request meets before a route sees it (a body
 * is UTF-8 JSON sent as such, the path, query and body hold only text the
 * database can store, a query parameter comes once), the JSON body parser with
 * the body limit and a UTF-8 check, and problem+json answers for what those
 * refuse and for what Node's HTTP parser refuses; and it serves the OpenAPI
 * document at `/docs`. They apply to every route of the app, not only
 * SagaModule's. (Errors of routes are problem+json without this call too:
 * SagaModule registers that filter itself.)
 *
 * The app may be created with Nest's default body parser: the JSON parser
 * installed here comes first, so Nest adds no JSON parser of its own at
 * `init` (its form parser, added after, never sees a body: the input rules
 * answer a non-JSON body with 415). `rawBody: true` keeps working: the parser
 * leaves the raw bytes on `req.rawBody` as Nest's would.
 *
 * @throws when the app is not on Express (`@nestjs/platform-express`), has no
 * SagaModule, was already initialised or listens, or has a JSON body parser
 * already (`app.useBodyParser('json')`), or when this is the second call.
 */
export function configureBatonHttp(app: NestExpressApplication, options: BatonHttpOptions = {}): void {
  const adapter = app.getHttpAdapter();
  if (adapter.getType() !== 'express') {
    throw new Error(
      `configureBatonHttp(app) needs an app on Express (@nestjs/platform-express); this one runs on ${adapter.getType()}. ` +
        'Create it with NestFactory.create(AppModule) and no other HTTP adapter.',
    );
  }
  let registry: SagaRegistry;
  try {
    registry = app.get(SagaRegistry);
  } catch {
    throw new Error('configureBatonHttp(app) sets up the REST API of SagaModule, and this app has none: import SagaModule.forRoot(...) in its module.');
  }
  const instance: object = adapter.getInstance();
  const layers = (instance as NestExpressInstance).router?.stack ?? [];
  // Before the check for routes: /docs is one.
  if (isBatonHttpConfigured(instance)) throw new Error('configureBatonHttp(app) was called twice on this app: call it once.');
  if (layers.some((layer) => layer.route !== undefined)) {
    throw new Error(
      'configureBatonHttp(app) was called after the app registered its routes (app.init() or app.listen() ran): ' +
        'the body parser and the input rules must come before every route. Call it right after NestFactory.create(), before app.init() and app.listen().',
    );
  }
  if (layers.some((layer) => (layer.handle?.name ?? layer.name) === 'jsonParser')) {
    throw new Error(
      'configureBatonHttp(app) installs the JSON body parser (with its limit and UTF-8 check), and this app has one already ' +
        "(app.useBodyParser('json', ...) or express.json()): remove it, and pass its limit as configureBatonHttp(app, { bodyLimit }).",
    );
  }

  app.disable('x-powered-by');
  app.use(httpServerSpans);
  app.use(urlAndMediaType);
  // Through the adapter with rawBody off: NestApplication.useBodyParser would put Nest's own `verify` in place of
  // the UTF-8 check when the app was created with rawBody: true. This one keeps the raw bytes as that one would.
  const verify = (request: IncomingMessage, response: ServerResponse, body: Buffer) => {
    (request as IncomingMessage & { rawBody?: Buffer }).rawBody = body;
    verifyUtf8Body(request, response, body);
  };
  (adapter as unknown as ExpressBodyParsers).useBodyParser('json', false, { limit: options.bodyLimit ?? '256kb', type: isJsonBody, verify });
  app.use(bodyParserErrors);
  app.use(storableBody);
  // The server exists from the app's creation on; `listen` starts the same one.
  answerClientErrors(app.getHttpServer());

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Baton')
      .setDescription('Start, query and steer sagas. Errors are application/problem+json (RFC 9457).')
      .setVersion('0.1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'API key', description: 'An API key: Authorization: Bearer <key>' })
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'The same API key, in its own header' }, 'api-key')
      .build(),
  );
  addSagaInputSchemas(document, registry);
  SwaggerModule.setup(options.docsPath ?? 'docs', app, document);
  configured.add(instance);
}

/** The Express app under the adapter, as far as it is read here. */
interface NestExpressInstance {
  router?: { stack?: RouterLayer[] };
}

/** ExpressAdapter.useBodyParser, which NestExpressApplication's own leaves `verify` out of. */
interface ExpressBodyParsers {
  useBodyParser(
    type: 'json',
    rawBody: boolean,
    options: { limit: string | number; type: (request: IncomingMessage) => boolean; verify: (request: IncomingMessage, response: ServerResponse, body: Buffer) => void },
  ): unknown;
}

/** Puts each saga's input schema into the OpenAPI document, as the body of POST /sagas/{name}. */
function addSagaInputSchemas(document: ReturnType<typeof SwaggerModule.createDocument>, registry: SagaRegistry): void {
  const schemas = (document.components ??= {}).schemas ?? (document.components.schemas = {});
  const refs = registry.names().map((name) => {
    const { $schema: _ignored, ...schema } = z.toJSONSchema(registry.latest(name)!.input, { unrepresentable: 'any' }) as Record<string, unknown>;
    schemas[`${name}-input`] = { ...schema, description: `Input of saga "${name}"` } as any;
    return { $ref: `#/components/schemas/${name}-input` };
  });
  const post = document.paths['/sagas/{name}']?.post;
  if (post && refs.length) {
    post.requestBody = { required: true, content: { 'application/json': { schema: { oneOf: refs } } } };
  }
}
