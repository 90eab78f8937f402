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
import type { DataSource } from 'typeorm';
import type { CommandContract } from '@baton/core';
import { handleCommand, type CommandHandler } from '../command-handler';
import { ParticipantRuntime } from '../participant-runtime';
import type { ParticipantWorker } from '../participant-worker';
import { DuplicateCommandHandlerError } from './duplicate-command-handler.error';
import { HANDLE_COMMAND_METADATA } from './handle-command.decorator';
import { PARTICIPANT_MODULE_OPTIONS } from './participant.module-definition';
import type { ParticipantModuleOptions } from './participant-module.options';

/**
 * Finds every `@HandleCommand` method of the app's providers and runs them
 * on a ParticipantRuntime: one ParticipantWorker per participant (from each
 * command's contract), subscribed while modules initialise and drained on
 * shutdown, and one relay for all their replies, publishing once the app has
 * bootstrapped.
 */
@Injectable()
export class ParticipantExplorer implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger('Participants');
  private runtime?: ParticipantRuntime;

  constructor(
    @Inject(PARTICIPANT_MODULE_OPTIONS) private readonly options: ParticipantModuleOptions,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  async onModuleInit(): Promise<void> {
    this.runtime = new ParticipantRuntime(this.discoverHandlers(), this.options, this.logger);
    await this.runtime.open();
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.runtime?.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.runtime?.drain();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.runtime?.close();
    this.logger.log('Participants stopped: commands in hand finished, offsets committed, replies published or kept in the outbox');
  }

  /** One worker per participant (none before modules initialise). */
  get workers(): readonly ParticipantWorker[] {
    return this.runtime?.workers ?? [];
  }

  /** The database the handlers work in (for the app's own queries, and tests). */
  get database(): DataSource {
    if (!this.runtime) throw new Error('The participant database opens while modules initialise.');
    return this.runtime.database;
  }

  private discoverHandlers(): CommandHandler[] {
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
    return [...found.values()].map(({ handler }) => handler);
  }
}
