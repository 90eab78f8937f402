// The public API of @baton/nest: what a NestJS app needs to run sagas with SagaModule.
// Everything else under src/ is internal to the package.

// The module and its options
export { SagaModule } from './saga.module';
export type { SagaModuleOptions } from './saga-module.options';
export type { SagaAdmissionOptions } from './admission/saga-admission.options';
export type { OverviewOptions } from './overview/overview.options';

// HTTP: what needs the app object, in one call before app.listen()
export { configureBatonHttp, type BatonHttpOptions } from './http/configure-http';

// API keys and roles
export type { BatonAuthOptions } from './auth/baton-auth.options';
export type { ApiKey, ApiKeyRole } from './auth/api-key';
export { DEVELOPMENT_API_KEY } from './auth/development-key';
export { Operator, Public, Reader } from './auth/access.decorator';
export { Principal } from './auth/principal.decorator';
export type { BatonPrincipal } from './auth/baton-principal';
export type { WhoAmIView } from './auth/whoami.controller';

// Starting and querying sagas from code, and the views the REST API returns
export { SagaOrchestrator, type SagaPage } from './sagas/saga-orchestrator.service';
export type { HistoryEntryView, SagaView } from './sagas/saga.view';
export type { DeadLetterFacets, DeadLetterPage, DeadLetterView } from './dead-letters/dead-letter.view';
export type { InFlightGroupView, OverviewSample, OverviewView } from './overview/overview.view';

// The AsyncAPI document of the sagas' messages (served at GET /asyncapi.json)
export { asyncApiDocument, type AsyncApiDocument, type AsyncApiOptions, type AsyncApiServer } from './asyncapi/asyncapi.document';

// Injection tokens of what SagaModule provides to the app
export { BATON_DATA_SOURCE, BATON_METRICS_REGISTRY, BATON_TOPICS, BATON_TRANSPORT } from './baton.tokens';

// Logging
export { PinoLoggerService, type LogFormat, type PinoLoggerOptions } from './logging/pino-logger.service';
