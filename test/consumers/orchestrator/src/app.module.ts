import { ACME_PARTICIPANT_MIGRATIONS, AcmeParticipantsModule } from '@acme/ticketing-participants';
import type { Transport } from '@baton/core';
import { KafkaTransport } from '@baton/kafka';
import { BATON_DATA_SOURCE, BATON_TRANSPORT, SagaModule } from '@baton/nest';
import { PARTICIPANT_MIGRATIONS, ParticipantModule } from '@baton/participant';
import { Logger, Module, type DynamicModule } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { Settings } from './settings';
import { ticketPurchaseSaga } from './ticket-purchase.saga';

/**
 * The ticket-purchase saga on embedded PGlite. Over Kafka when the settings
 * name brokers (the participants are another service); otherwise over the
 * in-process transport, with Acme's participants (AcmeParticipantsModule,
 * from their package) in this app, sharing its database and transport.
 */
@Module({})
export class AppModule {
  static forRoot(settings: Settings): DynamicModule {
    const topics = { prefix: settings.topicPrefix };
    const inProcess = !settings.kafka;
    return {
      module: AppModule,
      imports: [
        SagaModule.forRoot({
          sagas: [ticketPurchaseSaga],
          database: {
            dataDir: settings.dataDir,
            migrations: inProcess ? [...PARTICIPANT_MIGRATIONS, ...ACME_PARTICIPANT_MIGRATIONS] : [],
            logger: new Logger('Database'),
          },
          transport: settings.kafka
            ? new KafkaTransport({ ...settings.kafka, partitions: 3, logger: new Logger('Kafka') })
            : undefined,
          topics,
          auth: { keys: [{ name: 'consumer-test', key: settings.apiKey, role: 'operator' }] },
        }),
        ...(inProcess
          ? [
              ParticipantModule.forRootAsync({
                inject: [BATON_DATA_SOURCE, BATON_TRANSPORT],
                useFactory: (database: DataSource, transport: Transport) => ({ database, transport, topics, manageTransport: false }),
              }),
              AcmeParticipantsModule,
            ]
          : []),
      ],
    };
  }
}
