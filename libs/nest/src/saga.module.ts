import { Logger, Module } from '@nestjs/common';
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
import { InProcessTransport } from '@baton/transport';
import { BatonResources } from './baton-resources.service';
import { BATON_DATA_SOURCE, BATON_TOPICS, BATON_TRANSPORT } from './baton.tokens';
import { DefinitionsController } from './definitions/definitions.controller';
import { ConfigurableSagaModule, SAGA_MODULE_OPTIONS } from './saga.module-definition';
import type { SagaModuleOptions } from './saga-module.options';
import { SagaOrchestrator } from './sagas/saga-orchestrator.service';
import { SagasController } from './sagas/sagas.controller';
import { SagaWorkersService } from './workers/saga-workers.service';

const OPTIONS = [SAGA_MODULE_OPTIONS];
const DATA_SOURCE = [BATON_DATA_SOURCE];

const repository = <T>(type: new (dataSource: DataSource) => T) => ({
  provide: type,
  useFactory: (dataSource: DataSource) => new type(dataSource),
  inject: DATA_SOURCE,
});

/**
 * Runs sagas in a NestJS app: keeps them in Postgres (or PGlite), publishes
 * their commands, consumes replies, fires timers, and serves the REST API.
 *
 * ```ts
 * SagaModule.forRoot({ sagas: [createOrderFulfillmentSaga()], database: { url: process.env.DATABASE_URL } })
 * ```
 */
@Module({
  controllers: [SagasController, DefinitionsController],
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
      useFactory: (dataSource: DataSource, registry: SagaRegistry, topics: TopicNames, relay: OutboxRelay) =>
        new SagaStepUnitOfWork(dataSource, registry, topics, new SagaEngine(), () => relay.wake()),
      inject: [BATON_DATA_SOURCE, SagaRegistry, BATON_TOPICS, OutboxRelay],
    },
    {
      provide: TimerPoller,
      useFactory: (o: SagaModuleOptions, unitOfWork: SagaStepUnitOfWork, timers: SagaTimerRepository) =>
        new TimerPoller(unitOfWork, timers, { ...o.timers, logger: new Logger('TimerPoller') }),
      inject: [SAGA_MODULE_OPTIONS, SagaStepUnitOfWork, SagaTimerRepository],
    },
    SagaOrchestrator,
    SagaWorkersService,
    BatonResources,
  ],
  exports: [SagaOrchestrator, SagaRegistry, BATON_DATA_SOURCE, BATON_TRANSPORT, BATON_TOPICS],
})
export class SagaModule extends ConfigurableSagaModule {}
