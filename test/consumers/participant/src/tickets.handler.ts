import { IssueTickets, SOLD_OUT_PREFIX, TicketsIssued, TicketsRefused } from '@acme/ticketing-contracts';
import type { PayloadOf } from '@baton/core';
import { HandleCommand, reply, type CommandContext } from '@baton/participant';
import { Injectable } from '@nestjs/common';

/** Tickets: issues one ticket per seat, unless the event is sold out. */
@Injectable()
export class TicketsHandler {
  @HandleCommand(IssueTickets)
  async issue({ orderId, eventId, seats }: PayloadOf<typeof IssueTickets>, { tx, envelope }: CommandContext) {
    if (eventId.startsWith(SOLD_OUT_PREFIX)) return reply(TicketsRefused, { reason: `event ${eventId} is sold out` });
    const ticketIds = Array.from({ length: seats }, (_, seat) => `tk-${envelope.messageId}-${seat + 1}`);
    for (const ticketId of ticketIds) {
      await tx.query('INSERT INTO acme_ticket (ticket_id, order_id, event_id) VALUES ($1, $2, $3)', [ticketId, orderId, eventId]);
    }
    return reply(TicketsIssued, { ticketIds });
  }
}
