import { Module, type DynamicModule } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { Transport } from '@baton/core';
import { BatonConsoleModule } from '@baton/console';
import { BATON_DATA_SOURCE, BATON_TRANSPORT, SagaModule, SagaOrchestrator } from '@baton/nest';
import { PARTICIPANT_MIGRATIONS, ParticipantModule } from '@baton/participant';
import { ExampleLedger1763800000201, ExampleParticipantsModule, ExampleSettings } from '@example/participants';
import { APP_CONFIG } from './config/app-config.token';
import type { AppConfig } from './config/app.config';
import type { ExampleConfig } from './config/example.config';
import { createTransport } from './config/create-transport';
import { databaseOptions } from './config/database-options';
import { hostAsyncApi } from './config/host-asyncapi';
import { hostTopics } from './config/host-topics';
import { ExampleTraffic } from './example-traffic';
import { hostSagas } from './host-sagas';

/**
 * The Baton host: the order-fulfillment saga over the in-process transport
 * or Kafka, and, unless PARTICIPANTS=none, the example participants in the
 * same process (sharing its database and transport).
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, example: ExampleConfig): DynamicModule {
    const inProcessParticipants = config.participants === 'in-process';
    const settings = new ExampleSettings(example.participantFailureRate, example.participantLatencyMs);
    const topics = hostTopics(config);
    return {
      module: AppModule,
      imports: [
        SagaModule.forRoot({
          sagas: hostSagas(example),
          database: databaseOptions(config, inProcessParticipants ? [...PARTICIPANT_MIGRATIONS, ExampleLedger1763800000201] : []),
          transport: createTransport(config.kafka, config.startupTimeoutMs),
          topics,
          timers: { pollIntervalMs: config.timerPollIntervalMs, catchUpTimeoutMs: config.timerCatchUpTimeoutMs },
          auth: { keys: config.auth.keys, protectReads: config.auth.protectReads, keysSource: 'API_KEYS' },
          admission: config.admission,
          limits: config.limits,
          asyncApi: hostAsyncApi(config),
        }),
        // The web console at /console/, working through the REST API above.
        ...(config.console.enabled ? [BatonConsoleModule.forRoot({ traceUrl: config.console.traceUrl })] : []),
        ...(inProcessParticipants
          ? [
              ExampleParticipantsModule.forRoot(settings, example.participants),
              ParticipantModule.forRootAsync({
                inject: [BATON_DATA_SOURCE, BATON_TRANSPORT],
                useFactory: (database: DataSource, transport: Transport) => ({
                  database,
                  transport,
                  topics,
                  // SagaModule starts and closes the shared transport.
                  manageTransport: false,
                  beforeHandle: settings.beforeHandle,
                }),
              }),
            ]
          : []),
      ],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        // Example orders for a host started with npm start (EXAMPLE_TRAFFIC); their participants must run somewhere.
        { provide: ExampleTraffic, useFactory: (orchestrator: SagaOrchestrator) => new ExampleTraffic(orchestrator, example.traffic), inject: [SagaOrchestrator] },
      ],
    };
  }
}

