import { orderFor, type OrderScenario } from '../support/orders';
import { DEV_AUTHORIZATION } from '../support/test-app';

/** One order as the client placed it, and everything the host answered. */
export interface PlacedOrder {
  orderId: string;
  scenario: OrderScenario;
  idempotencyKey: string;
  /** The saga id of each 2xx answer (all the same, if idempotency holds). */
  acceptedAs: string[];
  /** When it first got a 2xx (ms since the epoch). */
  acceptedAt?: number;
  attempts: number;
  /** Answers and errors, counted by status code or 'connection error' / 'timeout'. */
  answers: Record<string, number>;
  /** Left unaccepted: a 4xx other than 429, or the client's deadline passed. */
  gaveUp?: string;
}

/** A 500 (or another answer a client cannot act on): each is a finding. */
export interface BadAnswer {
  at: number;
  orderId: string;
  status: number;
  body: string;
}

/** Statuses that mean "try again later", like a connection error. */
const TRY_AGAIN = new Set([429, 502, 503, 504]);
/** How long one request may take before the client gives up on it and tries again (same key). */
const REQUEST_TIMEOUT_MS = 15_000;
const BACKOFF_MS = { first: 250, max: 3_000 };
/** The longest Retry-After the client honours, in seconds. */
const MAX_RETRY_AFTER_S = 10;
/** An order sent again after it was accepted waits this long first, so a fault may fall in between. */
const CONFIRM_AFTER_MS = 5_000;

/**
 * A client that places orders as a real one would: each order has an
 * Idempotency-Key and is sent again until the host answers 2xx. A connection
 * error, a timeout, 429 or 503 mean "try again later" (with backoff); a 500 is
 * retried too but recorded as a finding, as is any other 4xx (after which the
 * client gives up on that order, as a real one would).
 */
export class OrderClient {
  readonly orders: PlacedOrder[] = [];
  readonly badAnswers: BadAnswer[] = [];

  constructor(
    private readonly baseUrl: string,
    private readonly runId: string,
  ) {}

  /**
   * Places `count` orders, one every `spreadMs / count` ms, cycling through
   * `scenarios`; resolves when each was accepted or given up on (at `deadline`).
   */
  async placeOrders(count: number, scenarios: readonly OrderScenario[], spreadMs: number, deadline: number): Promise<void> {
    const start = Date.now();
    await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        await sleep(start + (i * spreadMs) / count - Date.now());
        // Every tenth order is sent once more after it was accepted: the same key must name the same saga.
        await this.place(scenarios[i % scenarios.length], `${this.runId}-${i}`, deadline, i % 10 === 0 ? 2 : 1);
      }),
    );
  }

  private async place(scenario: OrderScenario, orderId: string, deadline: number, acceptances: number): Promise<void> {
    const order: PlacedOrder = { orderId, scenario, idempotencyKey: `order-${orderId}`, acceptedAs: [], attempts: 0, answers: {} };
    this.orders.push(order);
    const body = JSON.stringify(orderFor(scenario, orderId));
    let backoff = BACKOFF_MS.first;
    while (order.acceptedAs.length < acceptances) {
      if (Date.now() > deadline) {
        if (order.acceptedAt) return;
        order.gaveUp = `not accepted by the deadline after ${order.attempts} attempts`;
        return;
      }
      order.attempts++;
      const answer = await this.send(order, body);
      order.answers[answer.label] = (order.answers[answer.label] ?? 0) + 1;
      if (answer.status >= 200 && answer.status < 300) {
        order.acceptedAs.push(sagaIdIn(answer.body));
        order.acceptedAt ??= Date.now();
        backoff = BACKOFF_MS.first;
        if (order.acceptedAs.length < acceptances) await sleep(CONFIRM_AFTER_MS);
        continue;
      }
      if (answer.status >= 500 && !TRY_AGAIN.has(answer.status)) {
        this.badAnswers.push({ at: Date.now(), orderId, status: answer.status, body: answer.body.slice(0, 500) });
      } else if (answer.status >= 400 && answer.status < 500 && answer.status !== 429) {
        this.badAnswers.push({ at: Date.now(), orderId, status: answer.status, body: answer.body.slice(0, 500) });
        order.gaveUp = `answered ${answer.status}`;
        return;
      }
      // As the host asks (Retry-After on 429 and 503), else with backoff.
      await sleep(answer.retryAfterMs ?? backoff * (0.5 + Math.random()));
      backoff = Math.min(BACKOFF_MS.max, backoff * 2);
    }
  }

  private async send(order: PlacedOrder, body: string): Promise<{ status: number; label: string; body: string; retryAfterMs?: number }> {
    try {
      const response = await fetch(`${this.baseUrl}/sagas/order-fulfillment`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': order.idempotencyKey, authorization: DEV_AUTHORIZATION },
        body,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const retryAfter = Number(response.headers.get('retry-after'));
      return {
        status: response.status,
        label: String(response.status),
        body: await response.text(),
        retryAfterMs: retryAfter > 0 ? Math.min(retryAfter, MAX_RETRY_AFTER_S) * 1000 : undefined,
      };
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      return { status: 0, label: timedOut ? 'timeout' : 'connection error', body: '' };
    }
  }
}

function sagaIdIn(body: string): string {
  try {
    const id = (JSON.parse(body) as { id?: unknown }).id;
    if (typeof id === 'string') return id;
  } catch {
    // not JSON
  }
  return `(no saga id in ${JSON.stringify(body.slice(0, 100))})`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
