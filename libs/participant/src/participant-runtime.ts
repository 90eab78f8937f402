import type { DataSource, EntityManager } from 'typeorm';
import {
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
  type TopicNames,
  type Transport,
} from '@baton/core';
import {
  DeadLetterRepository,
  OutboxRelay,
  OutboxRepository,
  SpanKind,
  currentTraceCarrier,
  inSpan,
  inTransaction,
  sql,
  type OutboxRelayOptions,
  type TraceCarrier,
} from '@baton/postgres';
import type { CommandHandler } from './command-handler';
import { TransientCommandError } from './transient-command.error';

export interface ParticipantOptions {
  /** The participant's name; its command topic derives from it. */
  name: string;
  handlers: readonly CommandHandler<any>[];
  topics: TopicNames;
  relay?: OutboxRelayOptions;
  logger?: BatonLogger;
  /**
   * Runs before each command is handled, outside any transaction (the
   * example participants simulate network latency with it).
   */
  beforeHandle?: (envelope: MessageEnvelope) => Promise<void>;
}

/** What became of a delivered command. */
export type CommandResult = 'handled' | 'duplicate' | 'failed-transiently';

/**
 * Runs a participant's command handlers with the guarantees sagas rely on:
 * a command takes effect at most once (inbox in the handler's transaction),
 * its reply leaves only if that transaction commits (outbox, published by a
 * relay afterwards), and a malformed command becomes a dead letter with the
 * reason instead of an exception loop.
 */
export class ParticipantRuntime {
  private readonly handlers = new Map<string, CommandHandler<any>>();
  private readonly outbox: OutboxRepository;
  private readonly deadLetters: DeadLetterRepository;
  private readonly relay: OutboxRelay;
  private readonly logger: BatonLogger;

  constructor(
    private readonly dataSource: DataSource,
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
    this.outbox = new OutboxRepository(dataSource, 'participant_outbox');
    this.deadLetters = new DeadLetterRepository(dataSource, 'participant_dead_letter');
    this.relay = new OutboxRelay(this.outbox, transport, {
      ...options.relay,
      logger: this.logger,
      name: `participant ${options.name} outbox relay`,
    });
  }

  get name(): string {
    return this.options.name;
  }

  get commandTopic(): string {
    return this.options.topics.commands(this.options.name);
  }

  /** Starts publishing replies. Subscribing to the command topic is the caller's (see `subscribe`). */
  start(): void {
    this.relay.start();
  }

  /** Subscribes `handle` to the participant's command topic; its dead letters go to `participant_dead_letter`. */
  async subscribe(): Promise<void> {
    await this.transport.subscribe(
      this.commandTopic,
      async (envelope) => {
        await this.options.beforeHandle?.(envelope);
        await this.handle(envelope);
      },
      { deadLetters: this.deadLetters.sinkFor(`participant:${this.name}`) },
    );
  }

  stop(): Promise<void> {
    return this.relay.stop();
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
    return inSpan(`handle ${envelope.type}`, { kind: SpanKind.CONSUMER, parent: envelope, attributes }, () =>
      this.handleInSpan(envelope),
    );
  }

  private async handleInSpan(envelope: MessageEnvelope): Promise<CommandResult> {
    const handler = this.handlers.get(envelope.type);
    if (!handler) {
      throw new PermanentMessageError(`participant "${this.name}" has no handler for command type "${envelope.type}"`);
    }
    const parsed = validatePayload(handler.command, envelope.payload, envelope.version);
    if (!parsed.ok) {
      throw new PermanentMessageError(`${envelope.type} payload is invalid: ${describeIssues(parsed.issues)}`);
    }
    const result = await withLogContext(logContextOf(envelope), () => inTransaction(this.dataSource.manager, async (tx): Promise<CommandResult> => {
      const { rowCount } = await sql(
        tx,
        `INSERT INTO participant_inbox (participant, message_id, message_type, saga_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT (participant, message_id) DO NOTHING`,
        [this.name, envelope.messageId, envelope.type, envelope.sagaId],
      );
      if (rowCount === 0) return 'duplicate';
      const answer = await handler.handle(parsed.value, { tx, envelope, participant: this.name });
      if (answer) await this.sendReply(tx, envelope, answer.contract, answer.payload);
      return 'handled';
    }).catch(async (error: unknown) => {
      if (!(error instanceof TransientCommandError)) throw error;
      // The work rolled back and the command stays unrecorded, so the saga's retry (same id) runs it again.
      this.logger.warn(`${this.name}: ${envelope.type} ${envelope.messageId} failed transiently: ${error.message}`);
      await inTransaction(this.dataSource.manager, (tx) =>
        this.sendReply(tx, envelope, CommandFailed, { command: envelope.type, reason: error.message, transient: true }),
      );
      return 'failed-transiently' as const;
    }));
    if (result !== 'duplicate') this.relay.wake();
    return result;
  }

  /** Writes a reply to the outbox, in the caller's transaction, answering `command`. */
  private async sendReply(tx: EntityManager, command: MessageEnvelope, contract: EventContract, payload: unknown): Promise<void> {
    const valid = validatePayload(contract, payload);
    if (!valid.ok) {
      throw new Error(
        `Participant "${this.name}" replied to ${command.type} with an invalid ${contract.type}: ${describeIssues(valid.issues)}`,
      );
    }
    const reply: MessageEnvelope = {
      messageId: uuidv7(),
      type: contract.type,
      version: contract.version,
      sagaId: command.sagaId,
      sagaName: command.sagaName,
      correlationId: command.correlationId,
      causationId: command.messageId,
      sentAt: new Date().toISOString(),
      // The handling span: the saga's step that consumes this reply is its child.
      ...replyTrace(command),
      payload: valid.value,
    };
    await this.outbox.append(tx, [{ topic: command.replyTo ?? this.options.topics.replies, envelope: reply }]);
  }
}

function replyTrace(command: MessageEnvelope): TraceCarrier {
  const current = currentTraceCarrier();
  return current.traceparent ? current : { traceparent: command.traceparent, tracestate: command.tracestate };
}
