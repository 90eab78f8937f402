import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { KafkaTransport } from '@baton/kafka';
import { ParticipantModule } from '@baton/participant';
import { isDatabaseUnavailable } from '@baton/postgres';
import { ConfigError, type AppConfig } from '../src/config/app.config';
import { ExampleLedger1763800000201 } from './migrations/0201-example-ledger.migration';
import { ExampleParticipantsModule } from './example-participants.module';
import { ExampleSettings } from './example-settings';

/**
 * The example participants as a service of their own: their own database,
 * commands in and replies out over Kafka.
 */
@Module({})
export class ParticipantsAppModule {
  static forRoot(config: AppConfig): DynamicModule {
    if (!config.kafka) {
      throw new ConfigError(['KAFKA_BROKERS is unset: the participants process talks to the orchestrator over Kafka']);
    }
    const settings = new ExampleSettings(config.participantFailureRate, config.participantLatencyMs);
    return {
      module: ParticipantsAppModule,
      imports: [
        ExampleParticipantsModule.forRoot(settings),
        ParticipantModule.forRoot({
          database: {
            url: config.databaseUrl,
            schema: config.databaseSchema,
            poolSize: config.databasePoolSize,
            dataDir: config.pgliteDataDir,
            startTimeoutMs: config.startupTimeoutMs,
            logger: new Logger('Database'),
            migrations: [ExampleLedger1763800000201],
          },
          transport: new KafkaTransport({
            ...config.kafka,
            sasl: config.kafka.sasl as any,
            startTimeoutMs: config.startupTimeoutMs,
            // A command whose handler finds the database down (even as the driver's own error) waits for it, never dead-lettered.
            isDependencyUnavailable: isDatabaseUnavailable,
            logger: new Logger('Kafka'),
          }),
          topics: { prefix: config.topicPrefix, replies: config.replyTopic },
          beforeHandle: settings.beforeHandle,
        }),
      ],
    };
  }
}
