import { command, event } from '@baton/core';
import { z } from 'zod';

/**
 * The messages of Acme's ticket-purchase saga. The orchestrator and the
 * participants import this one package, so both sides validate against the
 * same schemas.
 */

/** What starts a purchase. */
export const TicketOrder = z.object({
  orderId: z.string().min(1),
  eventId: z.string().min(1),
  seats: z.number().int().positive(),
  amountCents: z.number().int().positive(),
  /** `tok_declined` is refused by the card issuer. */
  cardToken: z.string().min(1),
});
export type TicketOrder = z.infer<typeof TicketOrder>;

// --- payments ------------------------------------------------------------------

export const ChargeCard = command('ChargeCard', {
  participant: 'payments',
  schema: z.object({ orderId: z.string(), amountCents: z.number().int().positive(), cardToken: z.string() }),
});
export const CardCharged = event('CardCharged', { schema: z.object({ chargeId: z.string() }) });
export const CardDeclined = event('CardDeclined', { schema: z.object({ reason: z.string() }) });

/** Undoes ChargeCard: refunds whatever was charged for the order, and answers `refunded: false` when nothing was. */
export const RefundCharge = command('RefundCharge', {
  participant: 'payments',
  schema: z.object({ orderId: z.string() }),
});
export const ChargeRefunded = event('ChargeRefunded', { schema: z.object({ refunded: z.boolean() }) });

// --- tickets -------------------------------------------------------------------

export const IssueTickets = command('IssueTickets', {
  participant: 'tickets',
  schema: z.object({ orderId: z.string(), eventId: z.string(), seats: z.number().int().positive() }),
});
export const TicketsIssued = event('TicketsIssued', { schema: z.object({ ticketIds: z.array(z.string()).min(1) }) });
/** An event whose id starts with `SOLD-OUT-` has no seats left. */
export const TicketsRefused = event('TicketsRefused', { schema: z.object({ reason: z.string() }) });

/** The card token the payments participant declines. */
export const DECLINED_CARD = 'tok_declined';
/** Events whose id starts with this have no seats left. */
export const SOLD_OUT_PREFIX = 'SOLD-OUT-';
