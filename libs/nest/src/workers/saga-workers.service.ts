import { setTimeout as delay } from 'node:timers/promises';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { SagaRegistry, type TopicNames, type Transport } from '@baton/core';
import { DataSource } from 'typeorm';
import {
  DeadLetterRepository,
  OutboxNotificationListener,
  OutboxRelay,
  OutboxRepository,
  SagaStepUnitOfWork,
  TimerPoller,
} from '@baton/postgres';
import { BATON_DATA_SOURCE, BATON_TOPICS, BATON_TRANSPORT } from '../baton.tokens';
import { SAGA_MODULE_OPTIONS } from '../saga.module-definition';
import type { SagaModuleOptions } from '../saga-module.options';

/** See SagaModuleOptions.timers.catchUpTimeoutMs. */
const DEFAULT_CATCH_UP_TIMEOUT_MS = 10_000;

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
  private readonly catchUpTimeoutMs: number;
  /** Aborted on shutdown: timers still waiting to start stay stopped. */
  private readonly stopping = new AbortController();
  private timersStarting?: Promise<void>;
  /** The commands sent, by message id: a stock @nestjs/microservices reply names only the one it answers. */
  private readonly outbox: OutboxRepository;

  constructor(
    @Inject(BATON_TRANSPORT) private readonly transport: Transport,
    @Inject(BATON_TOPICS) private readonly topics: TopicNames,
    private readonly registry: SagaRegistry,
    private readonly unitOfWork: SagaStepUnitOfWork,
    private readonly relay: OutboxRelay,
    private readonly timers: TimerPoller,
    private readonly deadLetters: DeadLetterRepository,
    @Inject(SAGA_MODULE_OPTIONS) options: SagaModuleOptions,
    @Inject(BATON_DATA_SOURCE) dataSource: DataSource,
  ) {
    this.outbox = new OutboxRepository(dataSource, 'baton_outbox');
    this.catchUpTimeoutMs = options.timers?.catchUpTimeoutMs ?? DEFAULT_CATCH_UP_TIMEOUT_MS;
    // Other replicas' commits wake this relay too (PostgreSQL only; PGlite is one process).
    const url = options.database?.url;
    if (url) this.listener = new OutboxNotificationListener(url, 'baton_outbox', () => relay.wake(), this.logger);
  }

  async onModuleInit(): Promise<void> {
    await this.transport.subscribe(this.topics.replies, (envelope) => this.unitOfWork.consumeReply(envelope), {
      deadLetters: this.deadLetters.sinkFor('orchestrator'),
      sentCommand: (messageId) => this.outbox.sentMessage(messageId),
    });
  }

  /**
   * Starts delivery (on Kafka the consumer joins its group in the
   * background: the host serves meanwhile), the relay, and, once the replies
   * already waiting have been applied, the timers.
   */
  async onApplicationBootstrap(): Promise<void> {
    await this.transport.ensureTopics([this.topics.replies, ...this.commandTopics()]);
    await this.transport.start();
    await this.listener?.start();
    this.relay.start();
    this.timersStarting = this.startTimersAfterCatchUp();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping.abort();
    await this.timersStarting;
    await Promise.all([this.listener?.stop(), this.timers.stop(), this.relay.stop()]);
  }

  /**
   * A host that starts (after a crash, say) finds timers overdue and replies
   * waiting on the broker that may answer them: a reply timeout, a retry or
   * an `after` delay fired first would resend, give up on a step or
   * compensate for a reply that is already there. So timers start once the
   * transport has handled what was in its partitions when it joined (each
   * replica its own partitions), or after `catchUpTimeoutMs`, whichever is
   * first. The in-process transport has nothing to wait for.
   */
  private async startTimersAfterCatchUp(): Promise<void> {
    const caughtUp = this.transport.caughtUp?.();
    if (caughtUp && this.catchUpTimeoutMs > 0) {
      const began = Date.now();
      const outcome = await Promise.race([
        caughtUp.then(() => 'caught-up' as const),
        // Rejects when the host stops meanwhile.
        delay(this.catchUpTimeoutMs, 'timed-out' as const, { signal: this.stopping.signal, ref: false }).catch(() => 'stopping' as const),
      ]);
      if (outcome === 'stopping') return;
      if (outcome === 'caught-up') {
        this.logger.log(`Timers start: the replies waiting on the broker were applied first (${Date.now() - began} ms after delivery started).`);
      } else {
        this.logger.warn(
          `Timers start without waiting longer: the reply consumer did not join its group and apply the replies already waiting within ${this.catchUpTimeoutMs} ms ` +
            '(timers.catchUpTimeoutMs). A timer may now fire before a reply that answers it is applied.',
        );
      }
    }
    this.timers.start();
  }

  /** Command topics of every participant the registered sagas talk to. */
  private commandTopics(): string[] {
    const participants = new Set(this.registry.all().flatMap((saga) => [...saga.commands.values()].map((c) => c.participant)));
    return [...participants].map((participant) => this.topics.commands(participant));
  }
}
