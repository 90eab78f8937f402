import { Module, type DynamicModule } from '@nestjs/common';
import { ExampleSettings } from './example-settings';
import { InventoryParticipant } from './inventory.participant';
import { NotificationParticipant } from './notification.participant';
import { PaymentParticipant } from './payment.participant';
import { ShippingParticipant } from './shipping.participant';

/** The example participants by the name their commands' topics carry. */
const BY_NAME = {
  inventory: InventoryParticipant,
  payment: PaymentParticipant,
  shipping: ShippingParticipant,
  notification: NotificationParticipant,
};

/** The name of an example participant. */
export type ExampleParticipantName = keyof typeof BY_NAME;

/**
 * The four example participants of the order-fulfillment saga. Their
 * `@HandleCommand` methods are picked up by the app's ParticipantModule,
 * wherever it runs them: in the host, or in their own process over Kafka.
 */
@Module({})
export class ExampleParticipantsModule {
  /** `names`: the participants to run (EXAMPLE_PARTICIPANTS); one left out is yours to replace. @default all four */
  static forRoot(settings: ExampleSettings, names: readonly ExampleParticipantName[] = Object.keys(BY_NAME) as ExampleParticipantName[]): DynamicModule {
    return {
      module: ExampleParticipantsModule,
      providers: [{ provide: ExampleSettings, useValue: settings }, ...names.map((name) => BY_NAME[name])],
    };
  }
}
