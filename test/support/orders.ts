import { TEST_TOKENS } from '@example/participants';
import { DEVELOPMENT_API_KEY } from '@baton/nest';
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

/**
 * Starts `count` order sagas on the host at `baseUrl`, in waves of 50, the
 * scenarios taken in turn; answers each saga's id with its scenario.
 */
export async function startOrders(baseUrl: string, count: number, label: string, scenarios: readonly OrderScenario[] = SCENARIOS) {
  const started: Array<{ id: string; scenario: OrderScenario }> = [];
  for (let i = 0; i < count; i += 50) {
    const wave = Array.from({ length: Math.min(50, count - i) }, async (_, j) => {
      const scenario = scenarios[(i + j) % scenarios.length];
      const response = await fetch(`${baseUrl}/sagas/order-fulfillment`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${DEVELOPMENT_API_KEY.key}` },
        body: JSON.stringify(orderFor(scenario, `${label}-${i + j}`)),
      });
      if (response.status !== 202) throw new Error(`Starting order ${label}-${i + j} answered ${response.status}: ${await response.text()}`);
      return { id: ((await response.json()) as { id: string }).id, scenario };
    });
    started.push(...(await Promise.all(wave)));
  }
  return started;
}
