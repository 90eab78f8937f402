import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { KEYS_IN_FORCE, developmentKeyWarning, type KeysInForce } from '../auth/development-key';
import { isBatonHttpConfigured } from './configure-http';

/**
 * What SagaModule checks when an app that serves HTTP starts (at `app.init()`
 * or `app.listen()`; an app without an HTTP adapter, from
 * `NestFactory.createApplicationContext`, serves no API and is not checked):
 * - without keys, in production (NODE_ENV=production), it refuses to start,
 *   naming what to set; outside production it warns that the development key is accepted;
 * - without `configureBatonHttp(app)` called before, it logs an error naming
 *   the call and what is missing, which nothing else would reveal until a
 *   client met the difference.
 */
@Injectable()
export class HttpStartChecks implements OnModuleInit {
  private readonly logger = new Logger('SagaModule');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(KEYS_IN_FORCE) private readonly keys: KeysInForce,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (!adapter) return;
    const warning = developmentKeyWarning(this.keys, process.env.NODE_ENV === 'production');
    if (warning) this.logger.warn(warning);
    if (!isBatonHttpConfigured(adapter.getInstance())) this.logger.error(NOT_CONFIGURED);
  }
}

/** What HttpStartChecks logs without configureBatonHttp: the call, what is missing without it, and where it goes. */
export const NOT_CONFIGURED =
  "configureBatonHttp(app) was not called: this app serves HTTP, and SagaModule's REST API runs without its HTTP setup. Missing: " +
  "the JSON body parser with its limit (bodyLimit, 256kb) and UTF-8 check (Nest's default parser takes 100kb and no check; with bodyParser: false, bodies are not read at all); " +
  'the input rules (JSON bodies only, text the database can store, each query parameter once); ' +
  'problem+json answers for bodies the parser refuses and for requests the HTTP parser refuses; ' +
  'the OpenAPI document at /docs. ' +
  "Call configureBatonHttp(app) from '@baton/nest' after NestFactory.create() and before app.listen().";
