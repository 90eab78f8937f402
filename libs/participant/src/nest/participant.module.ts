import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ConfigurableParticipantModule } from './participant.module-definition';
import { ParticipantExplorer } from './participant-explorer.service';

/**
 * Takes part in sagas from a NestJS service: every provider method marked
 * `@HandleCommand(Contract)` handles that command at most once, in a
 * transaction that also records it in the inbox and its reply in the outbox.
 *
 * ```ts
 * ParticipantModule.forRoot({ database: { url }, transport: new KafkaTransport({ brokers, groupId: 'inventory' }) })
 * ```
 */
@Module({
  imports: [DiscoveryModule],
  providers: [ParticipantExplorer],
  exports: [ParticipantExplorer],
})
export class ParticipantModule extends ConfigurableParticipantModule {}
