import { TEST_TOKENS } from '@example/participants';
import type { OrderPlaced } from '@example/order-fulfillment-contracts';

/** How an example order is meant to end, and the input that makes it end so. */
export type OrderScenario = 'completes' | 'stock-refused' | 'payment-refused' | 'payment-times-out' | 'shipment-refused';

export function orderFor(scenario: OrderScenario, orderId: string): OrderPlaced {
  return {
    orderId,
    customerId: `customer-${orderId}`,
    items: [{ sku: scenario === 'stock-refused' ? 'OOS-LAMP' : 'BOOK-1', quantity: 2 }],
    amountCents: 4200,
    currency: 'EUR',
    paymentToken:
      scenario === 'payment-refused'
        ? TEST_TOKENS.declined
        : scenario === 'payment-times-out'
          ? TEST_TOKENS.unresponsive
          : 'tok_visa',
    shippingAddress: {
      line1: 'Main St 1',
      city: 'Berlin',
      postalCode: '10115',
      country: scenario === 'shipment-refused' ? 'AQ' : 'DE',
    },
  };
}

export const EXPECTED_STATUS: Record<OrderScenario, 'completed' | 'compensated'> = {
  completes: 'completed',
  'stock-refused': 'compensated',
  'payment-refused': 'compensated',
  'payment-times-out': 'compensated',
  'shipment-refused': 'compensated',
};

export const SCENARIOS = Object.keys(EXPECTED_STATUS) as OrderScenario[];

/** Polls `probe` until it returns a value, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 60_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
