import type { DataSource } from 'typeorm';
import type { BatonLogger, TopicNames, Transport } from '@baton/core';
import { ParticipantRuntime, type ParticipantOptions } from '@baton/participant';
import { inventoryHandlers } from './inventory.participant';
import { notificationHandlers } from './notification.participant';
import { paymentHandlers } from './payment.participant';
import { shippingHandlers } from './shipping.participant';

export interface ExampleParticipantsOptions {
  /** Share of commands refused at random, 0..1. @default 0 */
  failureRate?: number;
  /** Delay before each command is handled, in ms (outside any transaction). @default 0 */
  latencyMs?: number;
  logger?: BatonLogger;
}

/**
 * The four example participants of the order-fulfillment saga, wired to a
 * transport: inventory, payment, shipping and notification.
 */
export class ExampleParticipants {
  readonly runtimes: ParticipantRuntime[];

  constructor(
    dataSource: DataSource,
    private readonly transport: Transport,
    topics: TopicNames,
    private readonly options: ExampleParticipantsOptions = {},
  ) {
    const flakiness = { failureRate: options.failureRate ?? 0 };
    const participant = (name: string, handlers: ParticipantOptions["handlers"]) =>
      new ParticipantRuntime(dataSource, transport, { name, handlers, topics, logger: options.logger });
    this.runtimes = [
      participant('inventory', inventoryHandlers(flakiness)),
      participant('payment', paymentHandlers(flakiness)),
      participant('shipping', shippingHandlers(flakiness)),
      participant('notification', notificationHandlers()),
    ];
  }

  /** Subscribes the participants to their command topics. */
  async subscribe(): Promise<void> {
    const latencyMs = this.options.latencyMs ?? 0;
    for (const runtime of this.runtimes) {
      await this.transport.subscribe(runtime.commandTopic, async (envelope) => {
        if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
        await runtime.handle(envelope);
      });
    }
  }

  /** Starts publishing their replies. */
  start(): void {
    this.runtimes.forEach((runtime) => runtime.start());
  }

  async stop(): Promise<void> {
    await Promise.all(this.runtimes.map((runtime) => runtime.stop()));
  }
}
