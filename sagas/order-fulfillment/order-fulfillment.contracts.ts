import { command, event } from '@baton/core';
import { z } from 'zod';

/**
 * The messages of the order-fulfillment saga: what starts it, the commands it
 * sends to each participant and the replies it waits for. Participants import
 * the same contracts, so both sides validate against one schema.
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

export const ReleaseStock = command('ReleaseStock', {
  participant: 'inventory',
  schema: z.object({ orderId: z.string(), reservationId: z.string() }),
});
export const StockReleased = event('StockReleased', { schema: z.object({ reservationId: z.string() }) });

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

/** Voids whatever was authorized for the order; safe when nothing was (the authorization may have timed out). */
export const VoidAuthorization = command('VoidAuthorization', {
  participant: 'payment',
  schema: z.object({ orderId: z.string() }),
});
export const AuthorizationVoided = event('AuthorizationVoided', { schema: z.object({ orderId: z.string() }) });

// --- shipping --------------------------------------------------------------

export const ScheduleShipment = command('ScheduleShipment', {
  participant: 'shipping',
  schema: z.object({ orderId: z.string(), items: z.array(OrderLine), address: Address }),
});
export const ShipmentScheduled = event('ShipmentScheduled', { schema: z.object({ shipmentId: z.string() }) });
export const ShipmentRefused = event('ShipmentRefused', { schema: z.object({ reason: z.string() }) });

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
