import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import {
  PermanentMessageError,
  SagaRegistry,
  isPermanentFailure,
  isUuid,
  type MessageEnvelope,
  type TopicNames,
  type Transport,
} from '@baton/core';
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
 * outbox, firing timers. Subscribes while modules initialise, starts
 * delivery and the loops once the app has bootstrapped (so every module had
 * the chance to subscribe), and lets the work in hand finish on shutdown.
 */
@Injectable()
export class SagaWorkersService implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('SagaWorkers');
  private readonly listener?: OutboxNotificationListener;

  constructor(
    @Inject(BATON_TRANSPORT) private readonly transport: Transport,
    @Inject(BATON_TOPICS) private readonly topics: TopicNames,
    private readonly registry: SagaRegistry,
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
    await this.transport.subscribe(this.topics.replies, (envelope) => this.consumeReply(envelope), {
      deadLetters: this.deadLetters.sinkFor('orchestrator'),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.transport.ensureTopics([this.topics.replies, ...this.commandTopics()]);
    await this.transport.start();
    await this.listener?.start();
    this.relay.start();
    this.timers.start();
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([this.listener?.stop(), this.timers.stop(), this.relay.stop()]);
  }

  /**
   * Applies one reply. Resolves (acknowledging it) once its transaction
   * committed; throws PermanentMessageError for a reply that can never apply,
   * so the transport dead-letters it; any other error means "try again".
   */
  async consumeReply(envelope: MessageEnvelope): Promise<void> {
    if (!isUuid(String(envelope.sagaId))) {
      throw new PermanentMessageError(`saga id "${envelope.sagaId}" is not a uuid`);
    }
    try {
      await this.unitOfWork.deliver(envelope, 'participant');
    } catch (error) {
      if (!isPermanentFailure(error)) throw error;
      this.logger.warn(`Dead-lettering ${envelope.type} ${envelope.messageId} for saga ${envelope.sagaId}: ${(error as Error).message}`);
      throw new PermanentMessageError((error as Error).message, { cause: error });
    }
  }

  /** Command topics of every participant the registered sagas talk to. */
  private commandTopics(): string[] {
    const participants = new Set(this.registry.all().flatMap((saga) => [...saga.commands.values()].map((c) => c.participant)));
    return [...participants].map((participant) => this.topics.commands(participant));
  }
}
