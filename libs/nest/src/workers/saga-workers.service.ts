import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { isPermanentFailure, isUuid, type MessageEnvelope, type TopicNames, type Transport } from '@baton/core';
import {
  DeadLetterRepository,
  OutboxNotificationListener,
  OutboxRelay,
  SagaStepUnitOfWork,
  TimerPoller,
} from '@baton/postgres';
import { BATON_TOPICS, BATON_TRANSPORT } from '../baton.tokens';
import { SAGA_MODULE_OPTIONS } from '../saga.module-definition';
import type { SagaModuleOptions } from '../saga-module.options';

/**
 * The orchestrator's background work: consuming replies, publishing the
 * outbox, firing timers. Subscribes while modules initialise (before anything
 * publishes), starts the loops once the app has bootstrapped, and lets the
 * work in hand finish on shutdown.
 */
@Injectable()
export class SagaWorkersService implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('SagaWorkers');
  private readonly listener?: OutboxNotificationListener;

  constructor(
    @Inject(BATON_TRANSPORT) private readonly transport: Transport,
    @Inject(BATON_TOPICS) private readonly topics: TopicNames,
    private readonly unitOfWork: SagaStepUnitOfWork,
    private readonly relay: OutboxRelay,
    private readonly timers: TimerPoller,
    private readonly deadLetters: DeadLetterRepository,
    @Inject(SAGA_MODULE_OPTIONS) options: SagaModuleOptions,
  ) {
    // Other replicas' commits wake this relay too (PostgreSQL only; PGlite is one process).
    const url = options.database?.url;
    if (url) this.listener = new OutboxNotificationListener(url, 'baton_outbox', () => relay.wake(), this.logger);
  }

  async onModuleInit(): Promise<void> {
    await this.transport.subscribe(this.topics.replies, (envelope) => this.consumeReply(envelope));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.listener?.start();
    this.relay.start();
    this.timers.start();
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([this.listener?.stop(), this.timers.stop(), this.relay.stop()]);
  }

  /**
   * Applies one reply. Resolves (acknowledging it) once its transaction
   * committed, or once it was dead-lettered because it can never apply;
   * rejects on a transient failure, so the transport delivers it again.
   */
  async consumeReply(envelope: MessageEnvelope): Promise<void> {
    try {
      if (!isUuid(String(envelope.sagaId))) throw new TypeError(`saga id "${envelope.sagaId}" is not a uuid`);
      await this.unitOfWork.deliver(envelope, 'participant');
    } catch (error) {
      if (!isPermanentFailure(error) && !(error instanceof TypeError)) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.warn(`Dead-lettering ${envelope.type} ${envelope.messageId} for saga ${envelope.sagaId}: ${reason}`);
      await this.deadLetters.record({
        consumer: 'orchestrator',
        topic: this.topics.replies,
        envelope,
        messageId: envelope.messageId,
        messageType: envelope.type,
        sagaId: String(envelope.sagaId),
        reason,
      });
    }
  }
}
