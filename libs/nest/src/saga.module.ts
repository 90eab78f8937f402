import { Logger, Module } from '@nestjs/common';
import { MODULE_METADATA } from '@nestjs/common/constants';
import { APP_FILTER, APP_GUARD, Reflector } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import type { DataSource } from 'typeorm';
import { SagaEngine, SagaRegistry, defaultTopicNames, type TopicNames, type Transport } from '@baton/core';
import {
  DeadLetterRepository,
  OutboxRelay,
  OutboxRepository,
  SagaHistoryRepository,
  SagaRepository,
  SagaStepUnitOfWork,
  SagaTimerRepository,
  TimerPoller,
  createBatonDataSource,
} from '@baton/postgres';
import { InProcessTransport } from '@baton/core';
import { SagaAdmission } from './admission/saga-admission.service';
import { AsyncApiController } from './asyncapi/asyncapi.controller';
import { ApiKeyRing } from './auth/api-key-ring';
import { ApiKeyGuard } from './auth/api-key.guard';
import { KEYS_IN_FORCE, keysInForce, type KeysInForce } from './auth/development-key';
import { BatonResources } from './baton-resources.service';
import { BATON_DATA_SOURCE, BATON_METRICS_REGISTRY, BATON_TOPICS, BATON_TRANSPORT } from './baton.tokens';
import { WhoAmIController } from './auth/whoami.controller';
import { DeadLettersBatchController } from './dead-letters/dead-letters-batch.controller';
import { DeadLettersController } from './dead-letters/dead-letters.controller';
import { DeadLettersService } from './dead-letters/dead-letters.service';
import { DefinitionsController } from './definitions/definitions.controller';
import { DatabaseHealthIndicator } from './health/database.health-indicator';
import { HealthController } from './health/health.controller';
import { TransportHealthIndicator } from './health/transport.health-indicator';
import { HttpStartChecks } from './http/http-start.checks';
import { ProblemDetailsFilter } from './http/problem-details.filter';
import { createBatonMetricsRegistry } from './metrics/baton-metrics.registry';
import { MetricsController } from './metrics/metrics.controller';
import { SagaGauges } from './metrics/saga-gauges.service';
import { SagaMetrics } from './metrics/saga-metrics.service';
import { OverviewSampler } from './overview/overview-sampler.service';
import { OverviewController } from './overview/overview.controller';
import { OVERVIEW_OPTIONS } from './overview/overview.options';
import { ConfigurableSagaModule, SAGA_MODULE_OPTIONS } from './saga.module-definition';
import type { SagaModuleOptions } from './saga-module.options';
import { SagaOrchestrator } from './sagas/saga-orchestrator.service';
import { BatchOperatorController } from './operator/batch-operator.controller';
import { OperatorController } from './operator/operator.controller';
import { SagasController } from './sagas/sagas.controller';
import { SagaEventsController } from './events/saga-events.controller';
import { SagaEventsHub } from './events/saga-events.hub';
import { SagaWorkersService } from './workers/saga-workers.service';

const OPTIONS = [SAGA_MODULE_OPTIONS];
const DATA_SOURCE = [BATON_DATA_SOURCE];

const repository = <T>(type: new (dataSource: DataSource) => T) => ({
  provide: type,
  useFactory: (dataSource: DataSource) => new type(dataSource),
  inject: DATA_SOURCE,
});

/**
 * The guard of the REST API. It covers this module's controllers, read from
 * the module's own metadata, so a controller added to the list is covered
 * too; other controllers of the app only where they carry @Operator/@Reader.
 */
function createApiKeyGuard(options: SagaModuleOptions, reflector: Reflector, keys: KeysInForce): ApiKeyGuard {
  return new ApiKeyGuard(reflector, new ApiKeyRing(keys.keys), {
    protectReads: options.auth?.protectReads ?? false,
    controllers: Reflect.getMetadata(MODULE_METADATA.CONTROLLERS, SagaModule) ?? [],
  });
}

/**
 * Runs sagas in a NestJS app: keeps them in Postgres (or PGlite), publishes
 * their commands, consumes replies, fires timers, and serves the REST API.
 *
 * ```ts
 * SagaModule.forRoot({ sagas: [createOrderFulfillmentSaga()], database: { url: process.env.DATABASE_URL } })
 * ```
 *
 * By itself, for the whole app: the API key guard (see `auth`; without keys
 * the development key outside production, no start of an app that serves
 * HTTP in production) and problem+json answers for errors of every route.
 * What needs the app object (body parser, input rules, /docs) is
 * `configureBatonHttp(app)`, called before `app.listen()`; an app that serves
 * HTTP without it logs an error at start saying what is missing.
 */
@Module({
  imports: [TerminusModule],
  controllers: [
    SagaEventsController,
    SagasController,
    DefinitionsController,
    AsyncApiController,
    // Before DeadLettersController: its dead-letters/:id/... routes would take /dead-letters/batch/... otherwise.
    DeadLettersBatchController,
    DeadLettersController,
    OverviewController,
    WhoAmIController,
    // Before OperatorController: its sagas/:id/... routes would take /sagas/batch/... otherwise.
    BatchOperatorController,
    OperatorController,
    MetricsController,
    HealthController,
  ],
  providers: [
    { provide: SagaRegistry, useFactory: (o: SagaModuleOptions) => new SagaRegistry(o.sagas), inject: OPTIONS },
    { provide: BATON_TOPICS, useFactory: (o: SagaModuleOptions) => defaultTopicNames(o.topics), inject: OPTIONS },
    {
      provide: BATON_TRANSPORT,
      useFactory: (o: SagaModuleOptions) => o.transport ?? new InProcessTransport(),
      inject: OPTIONS,
    },
    {
      provide: BATON_DATA_SOURCE,
      useFactory: (o: SagaModuleOptions) => createBatonDataSource(o.database),
      inject: OPTIONS,
    },
    repository(SagaRepository),
    repository(SagaHistoryRepository),
    repository(SagaTimerRepository),
    repository(DeadLetterRepository),
    {
      provide: OutboxRelay,
      useFactory: (o: SagaModuleOptions, dataSource: DataSource, transport: Transport) =>
        new OutboxRelay(new OutboxRepository(dataSource, 'baton_outbox'), transport, {
          ...o.relay,
          logger: new Logger('OutboxRelay'),
        }),
      inject: [SAGA_MODULE_OPTIONS, BATON_DATA_SOURCE, BATON_TRANSPORT],
    },
    {
      provide: SagaStepUnitOfWork,
      useFactory: (
        o: SagaModuleOptions,
        dataSource: DataSource,
        registry: SagaRegistry,
        topics: TopicNames,
        relay: OutboxRelay,
        sagas: SagaRepository,
        timers: SagaTimerRepository,
        deadLetters: DeadLetterRepository,
        engine: SagaEngine,
      ) =>
        new SagaStepUnitOfWork({
          dataSource,
          registry,
          topics,
          engine,
          relay,
          logger: new Logger('SagaStep'),
          batching: o.steps,
          sagas,
          timers,
          deadLetters,
        }),
      inject: [SAGA_MODULE_OPTIONS, BATON_DATA_SOURCE, SagaRegistry, BATON_TOPICS, OutboxRelay, SagaRepository, SagaTimerRepository, DeadLetterRepository, SagaEngine],
    },
    // One engine for the steps and for what the API reads of a saga's machine (the signals it accepts now).
    { provide: SagaEngine, useFactory: (o: SagaModuleOptions) => new SagaEngine({ limits: o.limits }), inject: [SAGA_MODULE_OPTIONS] },
    {
      provide: TimerPoller,
      useFactory: (o: SagaModuleOptions, unitOfWork: SagaStepUnitOfWork, timers: SagaTimerRepository) =>
        new TimerPoller(unitOfWork, timers, { ...o.timers, logger: new Logger('TimerPoller') }),
      inject: [SAGA_MODULE_OPTIONS, SagaStepUnitOfWork, SagaTimerRepository],
    },
    {
      provide: SagaAdmission,
      // Admission over Baton's database: the sagas not ended yet.
      useFactory: (o: SagaModuleOptions, sagas: SagaRepository) => new SagaAdmission(() => sagas.countUnended(), o.admission),
      inject: [SAGA_MODULE_OPTIONS, SagaRepository],
    },
    { provide: KEYS_IN_FORCE, useFactory: (o: SagaModuleOptions) => keysInForce(o.auth), inject: OPTIONS },
    { provide: APP_GUARD, useFactory: createApiKeyGuard, inject: [SAGA_MODULE_OPTIONS, Reflector, KEYS_IN_FORCE] },
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
    HttpStartChecks,
    SagaOrchestrator,
    DeadLettersService,
    SagaWorkersService,
    BatonResources,
    { provide: BATON_METRICS_REGISTRY, useFactory: createBatonMetricsRegistry },
    SagaMetrics,
    SagaGauges,
    { provide: OVERVIEW_OPTIONS, useFactory: (o: SagaModuleOptions) => o.overview ?? {}, inject: OPTIONS },
    OverviewSampler,
    SagaEventsHub,
    DatabaseHealthIndicator,
    TransportHealthIndicator,
  ],
  exports: [
    SagaOrchestrator,
    SagaRegistry,
    DeadLetterRepository,
    SagaAdmission,
    BATON_DATA_SOURCE,
    BATON_TRANSPORT,
    BATON_TOPICS,
    BATON_METRICS_REGISTRY,
  ],
})
export class SagaModule extends ConfigurableSagaModule {}
