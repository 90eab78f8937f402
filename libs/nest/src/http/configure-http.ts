import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { z } from 'zod';
import { SagaRegistry } from '@baton/core';
import { httpServerSpans } from '../tracing/http-server-spans.middleware';
import { bodyParserErrors } from './body-parser-errors.middleware';
import { answerClientErrors } from './client-errors';
import { isJsonBody, storableBody, urlAndMediaType, verifyUtf8Body } from './input-rules.middleware';
import { ProblemDetailsFilter } from './problem-details.filter';

export interface BatonHttpOptions {
  /** Largest accepted JSON body (bytes, or a string like '256kb'). @default '256kb' */
  bodyLimit?: string | number;
  /** Where the OpenAPI UI is served (its JSON at `${docsPath}-json`). @default 'docs' */
  docsPath?: string;
}

/**
 * HTTP setup shared by the host and the tests. Create the app with
 * `{ bodyParser: false }` (and without `rawBody`, whose `verify` would replace
 * the UTF-8 check): the JSON parser is installed here, with the body limit,
 * the rules every request meets before a route sees it, and problem+json
 * answers for what they and the parser refuse. Run it before `listen`.
 */
export function configureBatonHttp(app: NestExpressApplication, options: BatonHttpOptions = {}): void {
  app.disable('x-powered-by');
  app.use(httpServerSpans);
  app.use(urlAndMediaType);
  // A variable, not a literal: Nest's type leaves `verify` out because its rawBody option sets one.
  const json = { limit: options.bodyLimit ?? '256kb', type: isJsonBody, verify: verifyUtf8Body };
  app.useBodyParser('json', json);
  app.use(bodyParserErrors);
  app.use(storableBody);
  app.useGlobalFilters(new ProblemDetailsFilter());
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
  addSagaInputSchemas(document, app.get(SagaRegistry));
  SwaggerModule.setup(options.docsPath ?? 'docs', app, document);
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
