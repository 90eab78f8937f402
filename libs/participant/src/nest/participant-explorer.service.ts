import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { defaultTopicNames, type CommandContract } from '@baton/core';
import { PARTICIPANT_MIGRATIONS, ParticipantStore, createDataSource, type OutboxRelay } from '@baton/postgres';
import { handleCommand, type CommandHandler } from '../command-handler';
import { ParticipantWorker } from '../participant-worker';
import { DuplicateCommandHandlerError } from './duplicate-command-handler.error';
import { HANDLE_COMMAND_METADATA } from './handle-command.decorator';
import { PARTICIPANT_MODULE_OPTIONS } from './participant.module-definition';
import type { ParticipantModuleOptions } from './participant-module.options';

/**
 * Finds every `@HandleCommand` method of the app's providers, groups them by
 * participant (from each command's contract), and runs one ParticipantWorker
 * per participant, subscribed while modules initialise and drained on
 * shutdown, and one relay for all their replies, publishing once the app has
 * bootstrapped.
 */
@Injectable()
export class ParticipantExplorer implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger('Participants');
  private dataSource?: DataSource;
  private ownsDataSource = false;
  private replies?: OutboxRelay;
  readonly workers: ParticipantWorker[] = [];

  constructor(
    @Inject(PARTICIPANT_MODULE_OPTIONS) private readonly options: ParticipantModuleOptions,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  async onModuleInit(): Promise<void> {
    const byParticipant = this.discoverHandlers();
    const { database } = this.options;
    if (database instanceof DataSource) {
      this.dataSource = database;
    } else {
      this.dataSource = await createDataSource({
        ...database,
        migrations: [...PARTICIPANT_MIGRATIONS, ...((database.migrations as unknown[]) ?? [])],
      });
      this.ownsDataSource = true;
    }
    const topics = defaultTopicNames(this.options.topics);
    // One relay publishes the replies of every participant on this database.
    this.replies = ParticipantStore.replyRelay(this.dataSource, this.options.transport, {
      logger: this.logger,
      name: 'participant outbox relay',
    });
    for (const [name, handlers] of byParticipant) {
      const worker = new ParticipantWorker(this.dataSource, this.options.transport, {
        name,
        handlers,
        topics,
        replies: this.replies,
        batching: this.options.batching,
        logger: this.logger,
        beforeHandle: this.options.beforeHandle,
      });
      await worker.subscribe();
      this.workers.push(worker);
      this.logger.log(`Participant "${name}" handles ${handlers.map((h) => h.command.type).join(', ')} from ${worker.commandTopic}`);
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.options.manageTransport ?? true) {
      await this.options.transport.ensureTopics(this.workers.map((worker) => worker.commandTopic));
      await this.options.transport.start();
    }
    this.replies?.start();
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.stop()));
    await this.replies?.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.options.manageTransport ?? true) await this.options.transport.close();
    if (this.ownsDataSource && this.dataSource?.isInitialized) await this.dataSource.destroy();
    this.logger.log('Participants stopped: commands in hand finished, offsets committed, replies published or kept in the outbox');
  }

  /** The database the handlers work in (for the app's own queries, and tests). */
  get database(): DataSource {
    if (!this.dataSource) throw new Error('The participant database opens while modules initialise.');
    return this.dataSource;
  }

  private discoverHandlers(): Map<string, CommandHandler[]> {
    const found = new Map<string, { handler: CommandHandler; where: string }>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance);
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const command = this.reflector.get<CommandContract | undefined>(HANDLE_COMMAND_METADATA, prototype[method]);
        if (!command) continue;
        const where = `${prototype.constructor.name}.${method}`;
        const previous = found.get(command.type);
        if (previous) throw new DuplicateCommandHandlerError(command.type, previous.where, where);
        const fn = (instance[method] as (...args: any[]) => Promise<any>).bind(instance);
        found.set(command.type, { handler: handleCommand(command, fn), where });
      }
    }
    const byParticipant = new Map<string, CommandHandler[]>();
    for (const { handler } of found.values()) {
      const list = byParticipant.get(handler.command.participant) ?? [];
      list.push(handler);
      byParticipant.set(handler.command.participant, list);
    }
    return byParticipant;
  }
}
