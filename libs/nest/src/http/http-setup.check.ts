import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { isBatonHttpConfigured } from './configure-http';

/**
 * At start, says loudly when the app serves HTTP (it has an HTTP adapter,
 * unlike `NestFactory.createApplicationContext`) but `configureBatonHttp(app)`
 * was not called before `app.init()`/`app.listen()`: the REST API then runs
 * without its body parser, input rules and /docs, which nothing else would
 * reveal until a client meets the difference.
 */
@Injectable()
export class HttpSetupCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger('SagaModule');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onApplicationBootstrap(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (!adapter || isBatonHttpConfigured(adapter.getInstance())) return;
    this.logger.error(NOT_CONFIGURED);
  }
}

/** What HttpSetupCheck logs: the call, what is missing without it, and where it goes. */
export const NOT_CONFIGURED =
  'configureBatonHttp(app) was not called: this app serves HTTP, and SagaModule\'s REST API runs without its HTTP setup. Missing: ' +
  "the JSON body parser with its limit (bodyLimit, 256kb) and UTF-8 check (Nest's default parser takes 100kb and no check; with bodyParser: false, bodies are not read at all); " +
  'the input rules (JSON bodies only, text the database can store, each query parameter once); ' +
  'problem+json answers for bodies the parser refuses and for requests the HTTP parser refuses; ' +
  'the OpenAPI document at /docs. ' +
  "Call configureBatonHttp(app) from '@baton/nest' after NestFactory.create() and before app.listen().";
