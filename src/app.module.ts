import { Module, type DynamicModule } from '@nestjs/common';
import { SagaModule } from '@baton/nest';
import { ParticipantSchema1763800000101 } from '@baton/participant';
import { ExampleLedger1763800000201 } from '@baton/participants';
import { createOrderFulfillmentSaga } from '@baton/sagas';
import { APP_CONFIG } from './config/app-config.token';
import type { AppConfig } from './config/app.config';
import { ExampleParticipantsHost } from './example-participants.host';

/** The Baton host: the order-fulfillment saga, and (by default) its example participants in process. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    const inProcessParticipants = config.participants === 'in-process';
    return {
      module: AppModule,
      imports: [
        SagaModule.forRoot({
          sagas: [createOrderFulfillmentSaga({ paymentTimeoutMs: config.orderPaymentTimeoutMs })],
          database: {
            url: config.databaseUrl,
            schema: config.databaseSchema,
            poolSize: config.databasePoolSize,
            dataDir: config.pgliteDataDir,
            migrations: inProcessParticipants ? [ParticipantSchema1763800000101, ExampleLedger1763800000201] : [],
          },
          topics: { prefix: config.topicPrefix, replies: config.replyTopic },
          timers: { pollIntervalMs: config.timerPollIntervalMs },
        }),
      ],
      providers: [{ provide: APP_CONFIG, useValue: config }, ...(inProcessParticipants ? [ExampleParticipantsHost] : [])],
    };
  }
}
