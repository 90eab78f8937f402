import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { TopicNames, Transport } from '@baton/core';
import { BATON_DATA_SOURCE, BATON_TOPICS, BATON_TRANSPORT } from '@baton/nest';
import { ExampleParticipants } from '@baton/participants';
import { APP_CONFIG } from './config/app-config.token';
import type { AppConfig } from './config/app.config';

/** Runs the example participants (inventory, payment, shipping, notification) inside the host. */
@Injectable()
export class ExampleParticipantsHost implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly participants: ExampleParticipants;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(BATON_DATA_SOURCE) dataSource: DataSource,
    @Inject(BATON_TRANSPORT) transport: Transport,
    @Inject(BATON_TOPICS) topics: TopicNames,
  ) {
    this.participants = new ExampleParticipants(dataSource, transport, topics, {
      failureRate: config.participantFailureRate,
      latencyMs: config.participantLatencyMs,
      logger: new Logger('ExampleParticipants'),
    });
  }

  onModuleInit(): Promise<void> {
    return this.participants.subscribe();
  }

  onApplicationBootstrap(): void {
    this.participants.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.participants.stop();
  }
}
