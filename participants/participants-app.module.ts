import { Module, type DynamicModule } from '@nestjs/common';
import { ParticipantModule } from '@baton/participant';
import type { AppConfig } from '../src/config/app.config';
import { ConfigError } from '../src/config/env';
import { createTransport } from '../src/config/create-transport';
import { databaseOptions } from '../src/config/database-options';
import type { ExampleConfig } from '../src/config/example.config';
import { ExampleLedger1763800000201 } from './migrations/0201-example-ledger.migration';
import { ExampleParticipantsModule } from './example-participants.module';
import { ExampleSettings } from './example-settings';

/**
 * The example participants as a service of their own: their own database,
 * commands in and replies out over Kafka.
 */
@Module({})
export class ParticipantsAppModule {
  static forRoot(config: AppConfig, example: ExampleConfig): DynamicModule {
    if (!config.kafka) {
      throw new ConfigError(['KAFKA_BROKERS is unset: the participants process talks to the orchestrator over Kafka']);
    }
    const settings = new ExampleSettings(example.participantFailureRate, example.participantLatencyMs);
    return {
      module: ParticipantsAppModule,
      imports: [
        ExampleParticipantsModule.forRoot(settings, example.participants),
        ParticipantModule.forRoot({
          database: databaseOptions(config, [ExampleLedger1763800000201]),
          transport: createTransport(config.kafka, config.startupTimeoutMs)!,
          topics: { prefix: config.topicPrefix, replies: config.replyTopic },
          beforeHandle: settings.beforeHandle,
        }),
      ],
    };
  }
}
