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
}

type Reply<T> = SagaEvent<string, T>;

export interface OrderFulfillmentOptions {
  /** How long payment may take to answer before the order is compensated. @default 30000 */
  paymentTimeoutMs?: number;
}

export function createOrderFulfillmentSaga(options: OrderFulfillmentOptions = {}) {
  const paymentTimeoutMs = options.paymentTimeoutMs ?? 30_000;

  // The steps, each with what undoes it.

  const reserveStock = sagaStep<OrderFulfillmentContext, typeof ReserveStock, typeof ReleaseStock>({
    name: 'reserveStock',
    command: ReserveStock,
    payload: ({ context }) => ({ orderId: context.order.orderId, items: context.order.items }),
    compensation: {
      command: ReleaseStock,
      payload: ({ context, event }: { context: OrderFulfillmentContext; event: Reply<{ reservationId: string }> }) => ({
        orderId: context.order.orderId,
        reservationId: event.payload.reservationId,
      }),
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
    // Voids by order, so it is also right after a timeout, when the outcome is unknown.
    compensation: {
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
  });

  const notifyCustomer = sendCommand<OrderFulfillmentContext, typeof NotifyCustomer>(NotifyCustomer, ({ context }) => ({
    orderId: context.order.orderId,
    customerId: context.order.customerId,
    template: 'order-confirmed',
    shipmentId: context.shipmentId!,
  }));

  const refusedBy = (step: string) =>
    recordFailure<OrderFulfillmentContext>(({ event }) => ({ step, reason: (event as Reply<{ reason: string }>).payload.reason }));

  // The machine: what happens initially and in each state.

  const machine = setup({
    types: {
      context: {} as OrderFulfillmentContext,
      input: {} as OrderPlaced,
      events: {} as Reply<any>,
    },
    delays: { paymentTimeout: paymentTimeoutMs },
    guards: { somethingFailed: ({ context }) => context.failure !== undefined },
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
        },
      },

      // Undo every completed step, newest first.
      compensating: {
        ...compensation([reserveStock, authorizePayment]),
        onDone: 'compensated',
      },

      completed: {
        type: 'final',
        entry: notifyCustomer,
      },

      compensated: {
        type: 'final',
        tags: [SagaTags.compensated],
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
    ],
    machine,
  });
}
