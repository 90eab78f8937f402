import {
  AbortRequested,
  CommandFailed,
  ResolveCompensation,
  RetryCompensation,
  SagaTags,
  StepFailed,
  compensation,
  defineSaga,
  recordFailure,
  sagaStep,
  sendCommand,
  type CompensableContext,
  type SagaEvent,
} from '@baton/core';
import { assign, setup } from 'xstate';
import {
  AuthorizationVoided,
  AuthorizePayment,
  NotifyCustomer,
  OrderPlaced,
  PaymentAuthorized,
  PaymentRefused,
  ReleaseStock,
  ReserveStock,
  ScheduleShipment,
  ShipmentRefused,
  ShipmentScheduled,
  StockRefused,
  StockReleased,
  StockReserved,
  VoidAuthorization,
} from './order-fulfillment.contracts';

/**
 * Order fulfillment: an order was placed. Reserve its stock and authorize its
 * payment at the same time; when both succeeded, schedule the shipment and
 * tell the customer. If anything is refused, or payment does not answer in
 * time, undo what was done (release the stock, void the authorization), newest
 * first, and end compensated with the reason.
 */

export interface OrderFulfillmentContext extends CompensableContext {
  order: OrderPlaced;
  reservationId?: string;
  authorizationId?: string;
  shipmentId?: string;
  /** An operator asked to abort: compensate once the steps in flight have answered. */
  abortedBy?: string;
}

type Reply<T> = SagaEvent<string, T>;

export interface OrderFulfillmentOptions {
  /** How long payment may take to answer before the order is compensated. @default 30000 */
  paymentTimeoutMs?: number;
  /** Inventory and shipping: a command unanswered this long is sent again (same id). @default 10000 */
  replyTimeoutMs?: number;
  /** Attempts per command, first send included, before the step fails. @default 3 */
  maxAttempts?: number;
}

export function createOrderFulfillmentSaga(options: OrderFulfillmentOptions = {}) {
  const paymentTimeoutMs = options.paymentTimeoutMs ?? 30_000;
  const retry = { maxAttempts: options.maxAttempts ?? 3, initialDelayMs: 500, replyTimeoutMs: options.replyTimeoutMs ?? 10_000 };
  // Payment has its own deadline (paymentTimeout): retry only what it reports as transient.
  const paymentRetry = { maxAttempts: options.maxAttempts ?? 3, initialDelayMs: 500 };

  // The steps, each with what undoes it.

  const reserveStock = sagaStep<OrderFulfillmentContext, typeof ReserveStock, typeof ReleaseStock>({
    name: 'reserveStock',
    command: ReserveStock,
    payload: ({ context }) => ({ orderId: context.order.orderId, items: context.order.items }),
    replies: [StockReserved, StockRefused],
    retry,
    compensation: {
      retry,
      command: ReleaseStock,
      payload: ({ context }) => ({ orderId: context.order.orderId }),
      confirmedBy: StockReleased,
    },
  });

  const authorizePayment = sagaStep<OrderFulfillmentContext, typeof AuthorizePayment, typeof VoidAuthorization>({
    name: 'authorizePayment',
    command: AuthorizePayment,
    payload: ({ context }) => ({
      orderId: context.order.orderId,
      customerId: context.order.customerId,
      amountCents: context.order.amountCents,
      currency: context.order.currency,
      paymentToken: context.order.paymentToken,
    }),
    replies: [PaymentAuthorized, PaymentRefused],
    retry: paymentRetry,
    // Voids by order, so it is also right after a timeout, when the outcome is unknown.
    compensation: {
      retry,
      command: VoidAuthorization,
      payload: ({ context }) => ({ orderId: context.order.orderId }),
      confirmedBy: AuthorizationVoided,
    },
  });

  const scheduleShipment = sagaStep<OrderFulfillmentContext, typeof ScheduleShipment, never>({
    name: 'scheduleShipment',
    command: ScheduleShipment,
    payload: ({ context }) => ({
      orderId: context.order.orderId,
      items: context.order.items,
      address: context.order.shippingAddress,
    }),
    replies: [ShipmentScheduled, ShipmentRefused],
    retry,
  });

  const notifyCustomer = sendCommand<OrderFulfillmentContext, typeof NotifyCustomer>(NotifyCustomer, ({ context }) => ({
    orderId: context.order.orderId,
    customerId: context.order.customerId,
    template: 'order-confirmed',
    shipmentId: context.shipmentId!,
  }));

  // A refusal and a step that failed for good (StepFailed) both carry a reason.
  const refusedBy = (step: string) =>
    recordFailure<OrderFulfillmentContext>(({ event }) => ({ step, reason: (event as Reply<{ reason: string }>).payload.reason }));
  const failedFor = (step: { name: string; failed: (args: any) => boolean }) => ({
    guard: step.failed,
    target: 'refused',
    actions: refusedBy(step.name),
  });

  // The machine: what happens initially and in each state.

  const machine = setup({
    types: {
      context: {} as OrderFulfillmentContext,
      input: {} as OrderPlaced,
      events: {} as Reply<any>,
    },
    delays: { paymentTimeout: paymentTimeoutMs },
    guards: {
      somethingFailed: ({ context }) => context.failure !== undefined,
      aborted: ({ context }) => context.abortedBy !== undefined,
    },
  }).createMachine({
    id: 'order-fulfillment',
    context: ({ input }) => ({ order: input, compensations: [] }),
    initial: 'securing',
    output: ({ context }) => ({
      orderId: context.order.orderId,
      reservationId: context.reservationId,
      authorizationId: context.authorizationId,
      shipmentId: context.shipmentId,
      failure: context.failure,
    }),
    states: {
      // Fan-out: stock and payment at once; the join waits for both branches.
      securing: {
        type: 'parallel',
        on: {
          // Taken at the join: the commands in flight answer first, so nothing done is left undone.
          AbortRequested: {
            actions: [
              assign({ abortedBy: ({ event }) => (event as Reply<{ by: string }>).payload.by }),
              recordFailure(({ event }) => {
                const { by, reason } = (event as Reply<{ by: string; reason: string }>).payload;
                return { step: 'abort', reason: `aborted by ${by}: ${reason}` };
              }),
            ],
          },
        },
        states: {
          stock: {
            initial: 'reserving',
            states: {
              reserving: {
                entry: reserveStock.send,
                on: {
                  StockReserved: {
                    target: 'reserved',
                    actions: [
                      reserveStock.registerCompensation,
                      assign({ reservationId: ({ event }) => (event as Reply<{ reservationId: string }>).payload.reservationId }),
                    ],
                  },
                  StockRefused: { target: 'refused', actions: refusedBy('reserveStock') },
                  StepFailed: failedFor(reserveStock),
                },
              },
              reserved: { type: 'final' },
              refused: { type: 'final' },
            },
          },
          payment: {
            initial: 'authorizing',
            states: {
              authorizing: {
                entry: authorizePayment.send,
                on: {
                  PaymentAuthorized: {
                    target: 'authorized',
                    actions: [
                      authorizePayment.registerCompensation,
                      assign({
                        authorizationId: ({ event }) => (event as Reply<{ authorizationId: string }>).payload.authorizationId,
                      }),
                    ],
                  },
                  PaymentRefused: { target: 'refused', actions: refusedBy('authorizePayment') },
                  StepFailed: failedFor(authorizePayment),
                },
                after: {
                  // The payment may still have gone through: void it to be safe.
                  paymentTimeout: {
                    target: 'timedOut',
                    actions: [
                      authorizePayment.registerCompensation,
                      recordFailure({
                        step: 'authorizePayment',
                        reason: `payment did not answer within ${paymentTimeoutMs} ms`,
                      }),
                    ],
                  },
                },
              },
              authorized: { type: 'final' },
              refused: { type: 'final' },
              timedOut: { type: 'final' },
            },
          },
        },
        onDone: [{ guard: 'somethingFailed', target: 'compensating' }, { target: 'shipping' }],
      },

      shipping: {
        entry: scheduleShipment.send,
        on: {
          ShipmentScheduled: {
            target: 'completed',
            actions: assign({ shipmentId: ({ event }) => (event as Reply<{ shipmentId: string }>).payload.shipmentId }),
          },
          ShipmentRefused: { target: 'compensating', actions: refusedBy('scheduleShipment') },
          StepFailed: { guard: scheduleShipment.failed, target: 'compensating', actions: refusedBy('scheduleShipment') },
        },
      },

      // Undo every completed step, newest first. A compensation that fails for good waits
      // in compensating.failed (status "stuck") for an operator to retry or resolve it.
      compensating: {
        ...compensation([reserveStock, authorizePayment]),
        onDone: [{ guard: 'aborted', target: 'aborted' }, { target: 'compensated' }],
      },

      completed: {
        type: 'final',
        entry: notifyCustomer,
      },

      compensated: {
        type: 'final',
        tags: [SagaTags.compensated],
      },

      aborted: {
        type: 'final',
        tags: [SagaTags.aborted],
      },
    },
  });

  return defineSaga({
    name: 'order-fulfillment',
    version: 1,
    description: 'Reserve stock and authorize payment in parallel, ship, notify; compensate on any refusal or timeout.',
    input: OrderPlaced,
    commands: [ReserveStock, ReleaseStock, AuthorizePayment, VoidAuthorization, ScheduleShipment, NotifyCustomer],
    events: [
      StockReserved,
      StockRefused,
      StockReleased,
      PaymentAuthorized,
      PaymentRefused,
      AuthorizationVoided,
      ShipmentScheduled,
      ShipmentRefused,
      CommandFailed,
      StepFailed,
      AbortRequested,
      RetryCompensation,
      ResolveCompensation,
    ],
    machine,
  });
}
