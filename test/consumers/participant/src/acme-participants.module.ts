import { Module } from '@nestjs/common';
import { AcmeTables1800000000001 } from './acme-tables.migration';
import { PaymentsHandler } from './payments.handler';
import { TicketsHandler } from './tickets.handler';

/** The tables the handlers write to: run them on the database of the app's ParticipantModule. */
export const ACME_PARTICIPANT_MIGRATIONS = [AcmeTables1800000000001];

/**
 * Acme's payments and tickets participants. An app imports this module next
 * to a ParticipantModule, which finds their @HandleCommand methods and runs
 * each in a transaction on its database.
 */
@Module({ providers: [PaymentsHandler, TicketsHandler] })
export class AcmeParticipantsModule {}
