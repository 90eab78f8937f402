import { KafkaTransport } from '@baton/kafka';
import { ParticipantModule } from '@baton/participant';
import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { ACME_PARTICIPANT_MIGRATIONS, AcmeParticipantsModule } from './acme-participants.module';
import type { Settings } from './settings';

/** Acme's participants as their own service: their own database, commands in and replies out over Kafka. */
@Module({})
export class ParticipantAppModule {
  static forRoot(settings: Settings): DynamicModule {
    return {
      module: ParticipantAppModule,
      imports: [
        ParticipantModule.forRoot({
          database: { dataDir: settings.dataDir, migrations: ACME_PARTICIPANT_MIGRATIONS, logger: new Logger('Database') },
          transport: new KafkaTransport({ ...settings.kafka, partitions: 3, logger: new Logger('Kafka') }),
          topics: { prefix: settings.topicPrefix },
        }),
        AcmeParticipantsModule,
      ],
    };
  }
}
