import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { errorMessage } from '@baton/core';
import { SagaOrchestrator } from '@baton/nest';
import type { OrderPlaced } from '@example/order-fulfillment-contracts';
import { TEST_TOKENS } from '@example/participants';

/** Which way an example order goes, out of 50: most complete; some compensate; one gets stuck for an operator to retry. */
const MIX: ReadonlyArray<readonly [number, (order: OrderPlaced) => void]> = [
  [36, () => undefined],
  [4, (order) => (order.paymentToken = TEST_TOKENS.declined)],
  [4, (order) => (order.items = [{ sku: 'OOS-LAMP', quantity: 1 }])],
  [3, (order) => (order.shippingAddress = { ...order.shippingAddress, country: 'AQ' })],
  [2, (order) => (order.paymentToken = TEST_TOKENS.unresponsive)],
  [1, (order) => ((order.items = [{ sku: 'STUCK-LAMP', quantity: 1 }]), (order.paymentToken = TEST_TOKENS.declined))],
];
const SLOTS = MIX.flatMap(([count, shape]) => Array.from({ length: count }, () => shape));

/**
 * Example orders started at a steady rate (EXAMPLE_TRAFFIC per minute), so
 * a host started with `npm start` has sagas flowing through every path of
 * the order saga to look at in the console: completed, compensated, timed
 * out, and now and then one stuck on a compensation. Started like any
 * client's, through SagaOrchestrator.
 */
@Injectable()
export class ExampleTraffic implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ExampleTraffic');
  private timer?: NodeJS.Timeout;
  private started = 0;

  constructor(
    private readonly orchestrator: SagaOrchestrator,
    private readonly perMinute: number,
  ) {}

  onApplicationBootstrap(): void {
    if (this.perMinute <= 0) return;
    this.logger.log(`Starting ${this.perMinute} example orders a minute (EXAMPLE_TRAFFIC=0 for none).`);
    this.timer = setInterval(() => void this.startOne(), 60_000 / this.perMinute);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async startOne(): Promise<void> {
    const n = ++this.started;
    const orderId = `demo-${Date.now().toString(36)}-${n}`;
    const order: OrderPlaced = {
      orderId,
      customerId: `customer-${n % 37}`,
      items: [{ sku: `BOOK-${n % 5}`, quantity: 1 + (n % 3) }],
      amountCents: 1500 + ((n * 7919) % 20_000),
      currency: 'EUR',
      paymentToken: 'tok_visa',
      shippingAddress: { line1: `Main St ${n % 90}`, city: 'Berlin', postalCode: '10115', country: 'DE' },
    };
    SLOTS[(n * 17) % SLOTS.length](order);
    try {
      await this.orchestrator.start({ name: 'order-fulfillment', input: order, idempotencyKey: orderId, actor: 'example-traffic' });
    } catch (error) {
      this.logger.warn(`Example order ${orderId} was not started: ${errorMessage(error)}`);
    }
  }
}
