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
    transport: Transport,
    topics: TopicNames,
    options: ExampleParticipantsOptions = {},
  ) {
    const flakiness = { failureRate: options.failureRate ?? 0 };
    const latencyMs = options.latencyMs ?? 0;
    const beforeHandle = latencyMs > 0 ? () => new Promise<void>((resolve) => setTimeout(resolve, latencyMs)) : undefined;
    const participant = (name: string, handlers: ParticipantOptions['handlers']) =>
      new ParticipantRuntime(dataSource, transport, { name, handlers, topics, logger: options.logger, beforeHandle });
    this.runtimes = [
      participant('inventory', inventoryHandlers(flakiness)),
      participant('payment', paymentHandlers(flakiness)),
      participant('shipping', shippingHandlers(flakiness)),
      participant('notification', notificationHandlers()),
    ];
  }

  /** Subscribes the participants to their command topics. */
  async subscribe(): Promise<void> {
    for (const runtime of this.runtimes) await runtime.subscribe();
  }

  /** Starts publishing their replies. */
  start(): void {
    this.runtimes.forEach((runtime) => runtime.start());
  }

  async stop(): Promise<void> {
    await Promise.all(this.runtimes.map((runtime) => runtime.stop()));
  }
}
