import { KafkaTransport } from '@baton/kafka';
import { ParticipantModule } from '@baton/participant';
import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { AcmeTables1800000000001 } from './acme-tables.migration';
import { PaymentsHandler } from './payments.handler';
import { TicketsHandler } from './tickets.handler';

export interface Settings {
  brokers: string[];
  groupId: string;
  clientId: string;
  topicPrefix: string;
  /** Where this service's own embedded PGlite keeps its inbox, outbox and tables. */
  dataDir: string;
}

/** Acme's payments and tickets participants: their own database, commands in and replies out over Kafka. */
@Module({})
export class ParticipantAppModule {
  static forRoot(settings: Settings): DynamicModule {
    return {
      module: ParticipantAppModule,
      imports: [
        ParticipantModule.forRoot({
          database: { dataDir: settings.dataDir, migrations: [AcmeTables1800000000001], logger: new Logger('Database') },
          transport: new KafkaTransport({
            brokers: settings.brokers,
            groupId: settings.groupId,
            clientId: settings.clientId,
            partitions: 3,
            logger: new Logger('Kafka'),
          }),
          topics: { prefix: settings.topicPrefix },
        }),
      ],
      providers: [PaymentsHandler, TicketsHandler],
    };
  }
}
