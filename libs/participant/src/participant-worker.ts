import type { Span } from '@opentelemetry/api';
import type { DataSource } from 'typeorm';
import {
  BatchQueue,
  CommandFailed,
  PermanentMessageError,
  consoleLogger,
  describeIssues,
  logContextOf,
  uuidv7,
  validatePayload,
  withLogContext,
  type BatonLogger,
  type EventContract,
  type MessageEnvelope,
  type Settled,
  type TopicNames,
  type Transport,
} from '@baton/core';
import {
  ParticipantStore,
  afterCommit,
  databaseUnavailable,
  type NewOutboxMessage,
  type OutboxRelay,
  type OutboxRelayOptions,
  type OutboxWritten,
  type ParticipantUnitOfWork,
} from '@baton/postgres';
import { SpanKind, currentTraceCarrierOr, inBatchSpan, inSpan, withSpan } from '@baton/tracing';
import type { CommandHandler, CompensatedCommand } from './command-handler';
import { TransientCommandError } from './transient-command.error';

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
 * What became of a delivered command. 'duplicate': recorded before (its
 * recorded reply, if any, is sent again), or fenced by its compensation.
 */
export type CommandResult = 'handled' | 'duplicate' | 'failed-transiently';

/** A valid command in the worker's queue, waiting for its transaction. */
interface QueuedCommand {
  envelope: MessageEnvelope;
  handler: CommandHandler<any>;
  payload: unknown;
  span?: Span;
}

/** A command that names the command it undoes. */
type Compensation = MessageEnvelope & { compensates: string };

/** Thrown inside a batch's transaction when a handler fails: it rolls the batch back and names the command. */
class HandlerFailed extends Error {
  constructor(
    readonly index: number,
    readonly error: unknown,
  ) {
    super('a command handler failed');
  }
}

/**
 * Runs a participant's command handlers with the guarantees sagas rely on:
 * a command takes effect at most once (inbox in the handler's transaction),
 * its reply leaves only if that transaction commits (outbox, published by a
 * relay afterwards), and a malformed command becomes a dead letter with the
 * reason instead of an exception loop.
 *
 * A command recorded before (a redelivery, or the saga's retry under the
 * same message id) is not handled again, but answered again: the reply
 * recorded with it, a copy of its envelope under the same message id (the
 * orchestrator's inbox dedupes it), goes to the outbox in the batch's
 * transaction, in the batch's order. So a retry recovers a reply that was
 * lost or late. One statement per batch that has such commands finds their
 * replies; a batch without them pays nothing.
 *
 * A compensation (`compensates` in its envelope: the id of the command it
 * undoes) records that id in the inbox before its handler runs: the command,
 * if it has not come yet, is fenced and will do nothing when it does. The
 * handler learns whether the command was applied (CommandContext.compensates).
 *
 * Commands that arrive while the participant's transaction is busy share the
 * next one (group commit): one inbox statement for all, each handler in
 * turn on the same transaction, one INSERT per table for the rows they
 * appended, one outbox statement for all replies. One saga's commands are
 * handled in the order they arrived. A handler that throws rolls back the
 * batch; its command gets its own outcome (a transient failure is answered
 * CommandFailed, which is not recorded and so never sent again) and the
 * others are handled again, one transaction each.
 */
export class ParticipantWorker {
  private readonly handlers = new Map<string, CommandHandler<any>>();
  private readonly store: ParticipantStore;
  private readonly relay: OutboxRelay;
  private readonly ownsRelay: boolean;
  private readonly logger: BatonLogger;
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
    this.logger = options.logger ?? consoleLogger;
    this.store = new ParticipantStore(dataSource, options.name);
    this.ownsRelay = !options.replies;
    this.relay =
      options.replies ??
      ParticipantStore.replyRelay(dataSource, transport, {
        ...options.relay,
        logger: this.logger,
        name: `participant ${options.name} outbox relay`,
      });
    this.queue = new BatchQueue((commands) => this.handleBatch(commands), {
      maxBatchSize: options.batching?.maxBatchSize ?? 64,
      concurrency: options.batching?.concurrency ?? 1,
      keyOf: (command) => command.envelope.sagaId,
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

  /** One transaction for a batch of commands; see the class comment for what a failing handler does. */
  private async handleBatch(commands: QueuedCommand[]): Promise<Array<Settled<CommandResult>>> {
    let results: CommandResult[];
    let written: OutboxWritten;
    try {
      ({ results, written } = await inBatchSpan(`handle.batch ${this.name}`, commands.map((c) => c.span), () =>
        this.store.transaction((unit) => this.handleInTransaction(unit, commands)),
      ));
    } catch (error) {
      if (!(error instanceof HandlerFailed)) throw error;
      return this.afterHandlerFailed(commands, error);
    }
    afterCommit(this.relay, written);
    return results.map((value) => ({ ok: true, value }));
  }

  private async handleInTransaction(unit: ParticipantUnitOfWork, commands: QueuedCommand[]): Promise<{ results: CommandResult[]; written: OutboxWritten }> {
    const replyIds = new Map(commands.map(({ envelope }) => [envelope.messageId, uuidv7()]));
    // Recorded now, not handled yet.
    const fresh = await unit.record(commands.map(({ envelope }) => ({ envelope, replyId: replyIds.get(envelope.messageId)! })));
    // Recorded by an earlier transaction (a second copy of a command recorded now is not): its reply is sent again.
    const recorded = await unit.recorded([...replyIds.keys()].filter((id) => !fresh.has(id)));
    /** Commands of this batch fenced by a compensation that came before them in it, with its id. */
    const fencedHere = new Map<string, string>();
    const replies: NewOutboxMessage[] = [];
    const results: CommandResult[] = [];
    for (const [index, { envelope, handler, payload, span }] of commands.entries()) {
      if (!fresh.delete(envelope.messageId)) {
        const earlier = recorded.get(envelope.messageId);
        recorded.delete(envelope.messageId);
        if (earlier?.reply) replies.push(earlier.reply);
        const fencedBy = earlier?.fencedBy ?? fencedHere.get(envelope.messageId);
        if (fencedBy) {
          withLogContext(logContextOf(envelope), () =>
            this.logger.log(`${this.name}: ${envelope.type} ${envelope.messageId} does nothing: its compensation ${fencedBy} came first`),
          );
        }
        results.push('duplicate');
        continue;
      }
      await withLogContext(logContextOf(envelope), () =>
        withSpan(span, async () => {
          try {
            let compensates: CompensatedCommand | undefined;
            if (envelope.compensates) {
              // The command it undoes, later in this batch: recorded above, it must not run now.
              const later = fresh.delete(envelope.compensates);
              if (later) fencedHere.set(envelope.compensates, envelope.messageId);
              compensates = await this.fence(unit, envelope as Compensation, later);
            }
            const answer = await handler.handle(payload, {
              tx: unit.tx,
              envelope,
              participant: this.name,
              append: (table, row) => unit.append(table, row),
              ...(compensates ? { compensates } : {}),
            });
            if (answer) replies.push(this.replyTo(envelope, answer.contract, answer.payload, replyIds.get(envelope.messageId)));
          } catch (error) {
            throw new HandlerFailed(index, error);
          }
        }),
      );
      results.push('handled');
    }
    return { results, written: await unit.write(replies, this.relay.leaseMs) };
  }

  /**
   * Before a compensation's handler: fences the command it undoes (`later`:
   * it is later in this batch) and tells whether that command was applied.
   * The rows appended by the batch's earlier commands go in the same
   * statement, so the handler reads them like any other effect. One round
   * trip per compensation (ParticipantUnitOfWork.fence).
   */
  private async fence(unit: ParticipantUnitOfWork, compensation: Compensation, later: boolean): Promise<CompensatedCommand> {
    return { messageId: compensation.compensates, applied: await unit.fence(compensation, later) };
  }

  /**
   * The batch rolled back because one handler threw: that command gets its
   * outcome from its error, and the rest are handled again, one transaction
   * each, in order (a later command of the same saga waits for it).
   */
  private async afterHandlerFailed(commands: QueuedCommand[], failed: HandlerFailed): Promise<Array<Settled<CommandResult>>> {
    const results: Array<Settled<CommandResult>> = [];
    for (const [index, command] of commands.entries()) {
      try {
        const value =
          index === failed.index
            ? await this.failedOnce(command, failed.error)
            : await this.handleBatch([command]).then(([result]) => (result.ok ? result.value : Promise.reject(result.error)));
        results.push({ ok: true, value });
      } catch (error) {
        results.push({ ok: false, error });
      }
    }
    return results;
  }

  /**
   * A handler threw. A TransientCommandError is answered CommandFailed
   * (transient): the work rolled back and the command stays unrecorded, so
   * the saga's retry (same id) runs it again. Any other error asks the
   * transport to redeliver the command; a handler's own query that found the
   * database down says so (DependencyUnavailableError), so the transport
   * waits for it instead of counting an attempt.
   */
  private async failedOnce(command: QueuedCommand, error: unknown): Promise<CommandResult> {
    const { envelope } = command;
    if (!(error instanceof TransientCommandError)) throw databaseUnavailable(error) ?? error;
    return withLogContext(logContextOf(envelope), () =>
      withSpan(command.span, async () => {
        this.logger.warn(`${this.name}: ${envelope.type} ${envelope.messageId} failed transiently: ${error.message}`);
        const reply = this.replyTo(envelope, CommandFailed, { command: envelope.type, reason: error.message, transient: true });
        afterCommit(this.relay, await this.store.transaction((unit) => unit.write([reply], this.relay.leaseMs)));
        return 'failed-transiently' as const;
      }),
    );
  }

  /** After a commit: the relay publishes the replies leased to it at once, and claims the rest. */
  /**
   * The reply answering `command`, for the outbox; `messageId`: the one
   * recorded with the command, if it was. Throws if the handler's payload
   * breaks its contract.
   */
  private replyTo(command: MessageEnvelope, contract: EventContract, payload: unknown, messageId = uuidv7()): NewOutboxMessage {
    const valid = validatePayload(contract, payload);
    if (!valid.ok) {
      throw new Error(
        `Participant "${this.name}" replied to ${command.type} with an invalid ${contract.type}: ${describeIssues(valid.issues)}`,
      );
    }
    const envelope: MessageEnvelope = {
      messageId,
      type: contract.type,
      version: contract.version,
      sagaId: command.sagaId,
      sagaName: command.sagaName,
      correlationId: command.correlationId,
      causationId: command.messageId,
      sentAt: new Date().toISOString(),
      // The handling span: the saga's step that consumes this reply is its child.
      ...currentTraceCarrierOr(command),
      payload: valid.value,
    };
    return { topic: command.replyTo ?? this.options.topics.replies, envelope };
  }
}
