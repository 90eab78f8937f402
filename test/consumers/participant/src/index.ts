export { ACME_PARTICIPANT_MIGRATIONS, AcmeParticipantsModule } from './acme-participants.module';
export { PaymentsHandler } from './payments.handler';
export { TicketsHandler } from './tickets.handler';
