import { CardCharged, CardDeclined, ChargeCard, ChargeRefunded, IssueTickets, RefundCharge, TicketOrder, TicketsIssued, TicketsRefused } from '@acme/ticketing-contracts';
import { SagaTags, compensation, defineSaga, recordFailure, sagaStep, type CompensableContext, type SagaEvent } from '@baton/core';
import { assign, setup } from 'xstate';

/**
 * Acme's ticket purchase: charge the card, then issue the tickets. A declined
 * card ends the saga compensated with nothing to undo; a sold-out event
 * refunds the charge first.
 */
export interface TicketPurchaseContext extends CompensableContext {
  order: TicketOrder;
  chargeId?: string;
  ticketIds?: string[];
}

type Reply<T> = SagaEvent<string, T>;

const retry = { maxAttempts: 3, initialDelayMs: 500, replyTimeoutMs: 10_000 };

const chargeCard = sagaStep<TicketPurchaseContext, typeof ChargeCard, typeof RefundCharge>({
  name: 'chargeCard',
  command: ChargeCard,
  payload: ({ context }) => ({ orderId: context.order.orderId, amountCents: context.order.amountCents, cardToken: context.order.cardToken }),
  completedBy: [CardCharged],
  refusedBy: [CardDeclined],
  retry,
  compensation: {
    command: RefundCharge,
    payload: ({ command }) => ({ orderId: command.orderId }),
    confirmedBy: ChargeRefunded,
    retry,
  },
});

const issueTickets = sagaStep<TicketPurchaseContext, typeof IssueTickets>({
  name: 'issueTickets',
  command: IssueTickets,
  payload: ({ context }) => ({ orderId: context.order.orderId, eventId: context.order.eventId, seats: context.order.seats }),
  completedBy: [TicketsIssued],
  refusedBy: [TicketsRefused],
  retry,
  noCompensation: 'the last step: once tickets are issued the purchase is complete',
});

const refusal = (step: string) =>
  recordFailure<TicketPurchaseContext>(({ event }) => ({ step, reason: (event as Reply<{ reason: string }>).payload.reason }));

const machine = setup({
  types: { context: {} as TicketPurchaseContext, input: {} as TicketOrder, events: {} as Reply<any> },
}).createMachine({
  id: 'ticket-purchase',
  context: ({ input }) => ({ order: input }),
  initial: 'charging',
  output: ({ context }) => ({ orderId: context.order.orderId, chargeId: context.chargeId, ticketIds: context.ticketIds, failure: context.failure }),
  states: {
    charging: {
      entry: chargeCard.send,
      on: {
        CardCharged: {
          target: 'issuing',
          actions: assign({ chargeId: ({ event }) => (event as Reply<{ chargeId: string }>).payload.chargeId }),
        },
        CardDeclined: { target: 'compensating', actions: refusal('chargeCard') },
        StepFailed: { guard: chargeCard.failed, target: 'compensating', actions: recordFailure({ step: 'chargeCard', reason: 'no answer' }) },
      },
    },
    issuing: {
      entry: issueTickets.send,
      on: {
        TicketsIssued: {
          target: 'completed',
          actions: assign({ ticketIds: ({ event }) => (event as Reply<{ ticketIds: string[] }>).payload.ticketIds }),
        },
        TicketsRefused: { target: 'compensating', actions: refusal('issueTickets') },
        StepFailed: { guard: issueTickets.failed, target: 'compensating', actions: recordFailure({ step: 'issueTickets', reason: 'no answer' }) },
      },
    },
    compensating: { ...compensation(), onDone: 'compensated' },
    completed: { type: 'final' },
    compensated: { type: 'final', tags: [SagaTags.compensated] },
  },
});

export const ticketPurchaseSaga = defineSaga({
  name: 'ticket-purchase',
  version: 1,
  input: TicketOrder,
  commands: [ChargeCard, RefundCharge, IssueTickets],
  events: [CardCharged, CardDeclined, ChargeRefunded, TicketsIssued, TicketsRefused],
  steps: [chargeCard, issueTickets],
  machine,
});
