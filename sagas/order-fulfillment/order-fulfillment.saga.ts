import {
  SagaTags,
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
  CancelShipment,
  NotifyCustomer,
  OrderPlaced,
  PaymentAuthorized,
  PaymentRefused,
  ReleaseStock,
  ReserveStock,
  ScheduleShipment,
  ShipmentCancelled,
  ShipmentRefused,
  ShipmentScheduled,
  StockRefused,
  StockReleased,
  StockReserved,
  VoidAuthorization,
} from '@example/order-fulfillment-contracts';

/**
 * Order fulfillment: an order was placed. Reserve its stock and authorize its
 * payment at the same time; when both succeeded, schedule the shipment and
 * tell the customer. If anything is refused, or does not answer in time,
 * undo what was done (cancel the shipment, void the authorization, release
 * the stock), newest first, and end compensated with the reason. A step
 * that did not answer may still have happened: it is undone all the same
 * (each undo accepts "nothing to undo").
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
  /** Inventory, shipping and every compensation: a command unanswered this long is sent again (same id). @default 10000 */
  replyTimeoutMs?: number;
  /** Attempts per command, first send included, before the step fails. @default 3 */
  maxAttempts?: number;
}

export function createOrderFulfillmentSaga(options: OrderFulfillmentOptions = {}) {
  const paymentTimeoutMs = options.paymentTimeoutMs ?? 30_000;
  const retry = { maxAttempts: options.maxAttempts ?? 3, initialDelayMs: 500, replyTimeoutMs: options.replyTimeoutMs ?? 10_000 };
  // Payment has its own deadline (paymentTimeout): retry only what it reports as transient.
  const paymentRetry = { maxAttempts: options.maxAttempts ?? 3, initialDelayMs: 500 };

  // The steps, each with what undoes it. Every undo names the order, not the
  // reply: when a step's outcome is unknown there is no reply to read.

  const reserveStock = sagaStep<OrderFulfillmentContext, typeof ReserveStock, typeof ReleaseStock>({
    name: 'reserveStock',
    command: ReserveStock,
    payload: ({ context }) => ({ orderId: context.order.orderId, items: context.order.items }),
    completedBy: [StockReserved],
    refusedBy: [StockRefused],
    retry,
    compensation: {
      command: ReleaseStock,
      payload: ({ context }) => ({ orderId: context.order.orderId }),
      confirmedBy: StockReleased,
      retry,
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
    completedBy: [PaymentAuthorized],
    refusedBy: [PaymentRefused],
    retry: paymentRetry,
    compensation: {
      command: VoidAuthorization,
      payload: ({ context }) => ({ orderId: context.order.orderId }),
      confirmedBy: AuthorizationVoided,
      retry,
    },
  });

  const scheduleShipment = sagaStep<OrderFulfillmentContext, typeof ScheduleShipment, typeof CancelShipment>({
    name: 'scheduleShipment',
    command: ScheduleShipment,
    payload: ({ context }) => ({
      orderId: context.order.orderId,
      items: context.order.items,
      address: context.order.shippingAddress,
    }),
    completedBy: [ShipmentScheduled],
    refusedBy: [ShipmentRefused],
    retry,
    compensation: {
      command: CancelShipment,
      payload: ({ context }) => ({ orderId: context.order.orderId }),
      confirmedBy: ShipmentCancelled,
      retry,
    },
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
  const failedFor = (step: { name: string; failed: (args: any) => boolean }, target: string) => ({
    guard: step.failed,
    target,
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
    context: ({ input }) => ({ order: input }),
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
          // Taken at the join: the commands in flight answer first, so their outcome is known.
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
                    actions: assign({ reservationId: ({ event }) => (event as Reply<{ reservationId: string }>).payload.reservationId }),
                  },
                  StockRefused: { target: 'refused', actions: refusedBy('reserveStock') },
                  StepFailed: failedFor(reserveStock, 'refused'),
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
                    actions: assign({
                      authorizationId: ({ event }) => (event as Reply<{ authorizationId: string }>).payload.authorizationId,
                    }),
                  },
                  PaymentRefused: { target: 'refused', actions: refusedBy('authorizePayment') },
                  StepFailed: failedFor(authorizePayment, 'refused'),
                },
                after: {
                  // Leaving without an answer: the engine voids the authorization, which may have gone through.
                  paymentTimeout: {
                    target: 'timedOut',
                    actions: recordFailure({ step: 'authorizePayment', reason: `payment did not answer within ${paymentTimeoutMs} ms` }),
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
          StepFailed: failedFor(scheduleShipment, 'compensating'),
        },
      },

      // Undo every step that took effect or may have, newest first. A compensation that fails
      // for good makes the saga "stuck" until an operator retries or resolves it.
      compensating: {
        ...compensation(),
        onDone: [{ guard: 'aborted', target: 'aborted' }, { target: 'compensated' }],
      },

      completed: {
        type: 'final',
        entry: notifyCustomer,
        // `baton lint` asks why this command is sent fire and forget.
        meta: {
          baton: {
            lint: {
              'compensation/fire-and-forget':
                'The order is complete when the customer is told: nothing after it can fail, and a confirmation cannot be unsent. A lost notification leaves the order fulfilled.',
            },
          },
        },
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
    commands: [ReserveStock, ReleaseStock, AuthorizePayment, VoidAuthorization, ScheduleShipment, CancelShipment, NotifyCustomer],
    steps: [reserveStock, authorizePayment, scheduleShipment],
    events: [
      StockReserved,
      StockRefused,
      StockReleased,
      PaymentAuthorized,
      PaymentRefused,
      AuthorizationVoided,
      ShipmentScheduled,
      ShipmentRefused,
      ShipmentCancelled,
    ],
    machine,
  });
}
