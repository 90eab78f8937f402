import { DataSource } from 'typeorm';
import { defaultTopicNames, type BatonLogger, type MessageEnvelope, type Transport } from '@baton/core';
import { PARTICIPANT_MIGRATIONS, ParticipantStore, createDataSource, type DatabaseOptions, type OutboxRelay } from '@baton/postgres';
import type { CommandHandler } from './command-handler';
import { ParticipantWorker, type CommandBatchingOptions } from './participant-worker';

/** Where and how a service's participants run: what `ParticipantModule.forRoot` and `BatonServer` are given. */
export interface ParticipantRuntimeOptions {
  /**
   * The participant's database: options to open its own (the participant
   * migrations run on it, plus `database.migrations`), or a DataSource the app
   * already has (its migrations must include PARTICIPANT_MIGRATIONS).
   */
  database: DatabaseOptions | DataSource;
  /** How commands arrive and replies leave: a KafkaTransport, or the host's in-process transport. */
  transport: Transport;
  /** Topic naming, as on the orchestrator. @default { prefix: '', replies: 'saga.replies' } */
  topics?: { prefix?: string; replies?: string };
  /**
   * Whether the participants start and, once stopped, close the transport.
   * False when something else shares it and does that (the app's
   * SagaModule). @default true
   */
  manageTransport?: boolean;
  /** How commands that arrive together share a transaction. @default { maxBatchSize: 64, concurrency: 1 } per participant */
  batching?: CommandBatchingOptions;
  /** Runs before each command, outside any transaction. @default none */
  beforeHandle?: (envelope: MessageEnvelope) => Promise<void>;
}

/**
 * The participants of one service, from their command handlers: one
 * ParticipantWorker per participant (each command's contract names its
 * participant), on one database, and one relay publishing all their
 * replies. `ParticipantModule` (`@HandleCommand`) and `BatonServer`
 * (`@MessagePattern`) both run their handlers on it.
 *
 * Its life in four steps, in this order: `open` (the database, the workers
 * subscribed), `start` (the transport, then the relay), `drain` (the
 * commands in hand finish, the relay stops) and `close` (the transport, the
 * database it opened). `stop` is `drain` then `close`.
 */
export class ParticipantRuntime {
  private dataSource?: DataSource;
  private ownsDataSource = false;
  private replies?: OutboxRelay;
  private readonly running: ParticipantWorker[] = [];
  private readonly byParticipant = new Map<string, CommandHandler<any>[]>();

  constructor(
    handlers: readonly CommandHandler<any>[],
    private readonly options: ParticipantRuntimeOptions,
    private readonly logger: BatonLogger,
  ) {
    for (const handler of handlers) {
      const list = this.byParticipant.get(handler.command.participant) ?? [];
      list.push(handler);
      this.byParticipant.set(handler.command.participant, list);
    }
  }

  /** One worker per participant, subscribed to its command topic (none before `open`). */
  get workers(): readonly ParticipantWorker[] {
    return this.running;
  }

  /** The database the handlers work in (for the app's own queries, and tests). */
  get database(): DataSource {
    if (!this.dataSource) throw new Error('The participant database opens with the participants (ParticipantRuntime.open).');
    return this.dataSource;
  }

  /** The command topics the workers consume (none before `open`). */
  get commandTopics(): string[] {
    return this.running.map((worker) => worker.commandTopic);
  }

  /** Opens the database (unless given one), makes the reply relay and subscribes one worker per participant. */
  async open(): Promise<void> {
    const { database, transport } = this.options;
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
    this.replies = ParticipantStore.replyRelay(this.dataSource, transport, { logger: this.logger, name: 'participant outbox relay' });
    for (const [name, handlers] of this.byParticipant) {
      const worker = new ParticipantWorker(this.dataSource, transport, {
        name,
        handlers,
        topics,
        replies: this.replies,
        batching: this.options.batching,
        logger: this.logger,
        beforeHandle: this.options.beforeHandle,
      });
      await worker.subscribe();
      this.running.push(worker);
      this.logger.log(`Participant "${name}" handles ${handlers.map((h) => h.command.type).join(', ')} from ${worker.commandTopic}`);
    }
  }

  /** Creates the command topics and starts the transport (when it manages it), then the relay. */
  async start(): Promise<void> {
    if (this.managesTransport) {
      await this.options.transport.ensureTopics(this.commandTopics);
      await this.options.transport.start();
    }
    this.replies?.start();
  }

  /** Waits for the commands in hand, then stops the relay (replies not yet published stay in the outbox). */
  async drain(): Promise<void> {
    await Promise.all(this.running.map((worker) => worker.stop()));
    await this.replies?.stop();
  }

  /** Closes the transport (when it manages it) and the database (when it opened it). */
  async close(): Promise<void> {
    if (this.managesTransport) await this.options.transport.close();
    if (this.ownsDataSource && this.dataSource?.isInitialized) await this.dataSource.destroy();
  }

  /** `drain`, then `close`. */
  async stop(): Promise<void> {
    await this.drain();
    await this.close();
  }

  private get managesTransport(): boolean {
    return this.options.manageTransport ?? true;
  }
}
