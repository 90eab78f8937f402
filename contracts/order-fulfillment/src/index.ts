import { command, event } from '@baton/core';
import { z } from 'zod';

/**
 * The messages of the order-fulfillment saga: what starts it, the commands it
 * sends to each participant and the replies it waits for. Participants import
 * the same contracts, so both sides validate against one schema: this package
 * holds only the contracts (no machine), so a participant service in another
 * repository depends on it as on any package.
 */

const OrderLine = z.object({
  sku: z.string().min(1, 'must be a non-empty SKU'),
  quantity: z.number().int().positive(),
});

const Address = z.object({
  line1: z.string().min(1),
  city: z.string().min(1),
  postalCode: z.string().min(1),
  country: z.string().length(2, 'must be an ISO 3166-1 alpha-2 code, e.g. "DE"'),
});

/** The input of a saga: an order that was placed. */
export const OrderPlaced = z.object({
  orderId: z.string().min(1),
  customerId: z.string().min(1),
  items: z.array(OrderLine).min(1, 'an order needs at least one item'),
  amountCents: z.number().int().positive(),
  currency: z.string().length(3, 'must be an ISO 4217 code, e.g. "EUR"'),
  /** Card token for the payment service; see the payment participant for test tokens. */
  paymentToken: z.string().min(1),
  shippingAddress: Address,
});
export type OrderPlaced = z.infer<typeof OrderPlaced>;

// --- inventory -------------------------------------------------------------

export const ReserveStock = command('ReserveStock', {
  participant: 'inventory',
  schema: z.object({ orderId: z.string(), items: z.array(OrderLine) }),
});
export const StockReserved = event('StockReserved', { schema: z.object({ reservationId: z.string() }) });
export const StockRefused = event('StockRefused', { schema: z.object({ reason: z.string() }) });

/**
 * Undoes ReserveStock (its message id is in the `compensates` header):
 * releases whatever that command reserved for the order, and nothing if it
 * reserved nothing or never arrived. v1 also named the reservation; v2 needs
 * only the order, so the saga can send it when it does not know whether the
 * reservation happened.
 */
export const ReleaseStock = command('ReleaseStock', {
  participant: 'inventory',
  version: 2,
  schema: z.object({ orderId: z.string() }),
});
/** `released: false` when there was nothing to release. v1 had only the reservation id. */
export const StockReleased = event('StockReleased', {
  version: 2,
  schema: z.object({ released: z.boolean(), reservationId: z.string().optional() }),
  upcast: (payload) => ({ released: true, ...(payload as object) }),
});

// --- payment ---------------------------------------------------------------

export const AuthorizePayment = command('AuthorizePayment', {
  participant: 'payment',
  schema: z.object({
    orderId: z.string(),
    customerId: z.string(),
    amountCents: z.number().int().positive(),
    currency: z.string(),
    paymentToken: z.string(),
  }),
});
export const PaymentAuthorized = event('PaymentAuthorized', { schema: z.object({ authorizationId: z.string() }) });
export const PaymentRefused = event('PaymentRefused', { schema: z.object({ reason: z.string() }) });

/**
 * Undoes AuthorizePayment: voids whatever was authorized for the order, and
 * nothing if nothing was (the authorization was refused, or the saga gave up
 * on it before it arrived).
 */
export const VoidAuthorization = command('VoidAuthorization', {
  participant: 'payment',
  schema: z.object({ orderId: z.string() }),
});
/** `voided: false` when there was nothing to void. v1 had only the order id. */
export const AuthorizationVoided = event('AuthorizationVoided', {
  version: 2,
  schema: z.object({ orderId: z.string(), voided: z.boolean() }),
  upcast: (payload) => ({ voided: true, ...(payload as object) }),
});

// --- shipping --------------------------------------------------------------

export const ScheduleShipment = command('ScheduleShipment', {
  participant: 'shipping',
  schema: z.object({ orderId: z.string(), items: z.array(OrderLine), address: Address }),
});
export const ShipmentScheduled = event('ShipmentScheduled', { schema: z.object({ shipmentId: z.string() }) });
export const ShipmentRefused = event('ShipmentRefused', { schema: z.object({ reason: z.string() }) });

/**
 * Undoes ScheduleShipment: cancels whatever shipment that command scheduled
 * for the order, and nothing if it scheduled none or never arrived.
 */
export const CancelShipment = command('CancelShipment', {
  participant: 'shipping',
  schema: z.object({ orderId: z.string() }),
});
/** `cancelled: false` when there was nothing to cancel. */
export const ShipmentCancelled = event('ShipmentCancelled', {
  schema: z.object({ cancelled: z.boolean(), shipmentId: z.string().optional() }),
});

// --- notification ----------------------------------------------------------

/** Fire and forget: the saga does not wait for a reply. */
export const NotifyCustomer = command('NotifyCustomer', {
  participant: 'notification',
  schema: z.object({
    orderId: z.string(),
    customerId: z.string(),
    template: z.literal('order-confirmed'),
    shipmentId: z.string(),
  }),
});
