import type { DataSource } from 'typeorm';
import {
  BatchQueue,
  PermanentMessageError,
  consoleLogger,
  describeIssues,
  validatePayload,
  type BatonLogger,
  type MessageEnvelope,
  type TopicNames,
  type Transport,
} from '@baton/core';
import { ParticipantStore, type OutboxRelay, type OutboxRelayOptions } from '@baton/postgres';
import { SpanKind, inSpan } from '@baton/tracing';
import type { CommandHandler } from './command-handler';
import { CommandTransactions } from './command-transactions';
import type { CommandResult, QueuedCommand } from './queued-command';
import { ReplyBuilder } from './reply-builder';

/** Options of a ParticipantWorker. */
export interface ParticipantOptions {
  /** The participant's name; its command topic derives from it. */
  name: string;
  handlers: readonly CommandHandler<any>[];
  topics: TopicNames;
  /**
   * The relay that publishes the replies in `participant_outbox`. Participants
   * sharing a database share one (ParticipantExplorer does that; whoever
   * passes it starts and stops it). Without it the worker runs its own.
   * @default a relay of the worker's own, started and stopped with it
   */
  replies?: OutboxRelay;
  /** Options of the worker's own relay, when `replies` is not given. @default the relay's defaults */
  relay?: OutboxRelayOptions;
  /** How commands share transactions. @default { maxBatchSize: 64, concurrency: 1 } */
  batching?: CommandBatchingOptions;
  /** Where the worker and its own relay log. @default the console */
  logger?: BatonLogger;
  /**
   * Runs before each command is handled, outside any transaction (the
   * example participants simulate network latency with it). @default none
   */
  beforeHandle?: (envelope: MessageEnvelope) => Promise<void>;
}

/** How commands that arrive together share a transaction. */
export interface CommandBatchingOptions {
  /** Most commands handled in one transaction. 1 = a transaction per command. @default 64 */
  maxBatchSize?: number;
  /** Transactions of this participant running at once. @default 1 */
  concurrency?: number;
}

/**
 * Runs a participant's command handlers with the guarantees sagas rely on:
 * a command takes effect at most once (inbox in the handler's transaction),
 * its reply leaves only if that transaction commits (outbox, published by a
 * relay afterwards), and a malformed command becomes a dead letter with the
 * reason instead of an exception loop.
 *
 * The worker subscribes to the participant's command topic, checks each
 * command, and queues it (QueuedCommand) on a BatchQueue: commands that
 * arrive while the participant's transaction is busy share the next one
 * (group commit; CommandTransactions says what a batch's transaction does,
 * including answering redeliveries again and fencing for compensations).
 * One saga's commands are handled in the order they arrived. A handler that
 * throws rolls back its batch; its command gets its own outcome (a transient
 * failure is answered CommandFailed, which is not recorded and so never sent
 * again; a refusal, CommandRefusedError, is answered CommandFailed and
 * recorded with it; see CommandTransactions.failedAlone) and the others are
 * handled again without it: those before it, then
 * those after it, except the later commands of its saga when it failed for
 * good, which fail with it rather than overtake it.
 */
export class ParticipantWorker {
  private readonly handlers = new Map<string, CommandHandler<any>>();
  private readonly store: ParticipantStore;
  private readonly relay: OutboxRelay;
  private readonly ownsRelay: boolean;
  private readonly queue: BatchQueue<QueuedCommand, CommandResult>;

  constructor(
    dataSource: DataSource,
    private readonly transport: Transport,
    private readonly options: ParticipantOptions,
  ) {
    for (const handler of options.handlers) {
      if (handler.command.participant !== options.name) {
        throw new Error(
          `Participant "${options.name}" cannot handle ${handler.command.type}: its contract names participant "${handler.command.participant}".`,
        );
      }
      this.handlers.set(handler.command.type, handler);
    }
    const logger = options.logger ?? consoleLogger;
    this.store = new ParticipantStore(dataSource, options.name);
    this.ownsRelay = !options.replies;
    this.relay =
      options.replies ??
      ParticipantStore.replyRelay(dataSource, transport, {
        ...options.relay,
        logger,
        name: `participant ${options.name} outbox relay`,
      });
    const replies = new ReplyBuilder(options.name, options.topics.replies);
    const transactions = new CommandTransactions(options.name, this.store, this.relay, replies, logger);
    this.queue = new BatchQueue((commands) => transactions.run(commands), {
      maxBatchSize: options.batching?.maxBatchSize ?? 64,
      concurrency: options.batching?.concurrency ?? 1,
      keyOf: (command) => command.envelope.sagaId,
      failedAlone: (command, error) => transactions.failedAlone(command, error),
    });
  }

  get name(): string {
    return this.options.name;
  }

  get commandTopic(): string {
    return this.options.topics.commands(this.options.name);
  }

  /** Starts publishing replies (its own relay; a shared one is started by whoever passed it). */
  start(): void {
    if (this.ownsRelay) this.relay.start();
  }

  /** Subscribes `handle` to the participant's command topic; its dead letters go to `participant_dead_letter`. */
  async subscribe(): Promise<void> {
    await this.transport.subscribe(
      this.commandTopic,
      async (envelope) => {
        await this.options.beforeHandle?.(envelope);
        await this.handle(envelope);
      },
      { deadLetters: this.store.deadLetterSink() },
    );
  }

  /** Waits for the commands in hand, then stops its own relay. */
  async stop(): Promise<void> {
    await this.queue.idle();
    if (this.ownsRelay) await this.relay.stop();
  }

  /**
   * Applies one command at most once. Throws PermanentMessageError for a
   * command it can never handle (unknown type, invalid payload), which the
   * transport dead-letters; other errors roll back and ask for redelivery.
   */
  handle(envelope: MessageEnvelope): Promise<CommandResult> {
    const attributes = {
      'saga.id': envelope.sagaId,
      'saga.name': envelope.sagaName,
      'message.type': envelope.type,
      'baton.participant': this.name,
    };
    return inSpan(`handle ${envelope.type}`, { kind: SpanKind.CONSUMER, parent: envelope, attributes }, async (span) => {
      const handler = this.handlers.get(envelope.type);
      if (!handler) {
        throw new PermanentMessageError(`participant "${this.name}" has no handler for command type "${envelope.type}"`);
      }
      const parsed = validatePayload(handler.command, envelope.payload, envelope.version);
      if (!parsed.ok) {
        throw new PermanentMessageError(`${envelope.type} payload is invalid: ${describeIssues(parsed.issues)}`);
      }
      return this.queue.push({ envelope, handler, payload: parsed.value, span });
    });
  }
}
