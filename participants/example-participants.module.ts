import { Module, type DynamicModule } from '@nestjs/common';
import { ExampleSettings } from './example-settings';
import { InventoryParticipant } from './inventory.participant';
import { NotificationParticipant } from './notification.participant';
import { PaymentParticipant } from './payment.participant';
import { ShippingParticipant } from './shipping.participant';

/**
 * The four example participants of the order-fulfillment saga. Their
 * `@HandleCommand` methods are picked up by the app's ParticipantModule,
 * wherever it runs them: in the host, or in their own process over Kafka.
 */
@Module({})
export class ExampleParticipantsModule {
  static forRoot(settings: ExampleSettings): DynamicModule {
    return {
      module: ExampleParticipantsModule,
      providers: [
        { provide: ExampleSettings, useValue: settings },
        InventoryParticipant,
        PaymentParticipant,
        ShippingParticipant,
        NotificationParticipant,
      ],
    };
  }
}
