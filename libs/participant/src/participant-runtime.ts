import type { DataSource } from 'typeorm';
import {
  PermanentMessageError,
  consoleLogger,
  describeIssues,
  uuidv7,
  validatePayload,
  type BatonLogger,
  type MessageEnvelope,
  type TopicNames,
  type Transport,
} from '@baton/core';
import { DeadLetterRepository, OutboxRelay, OutboxRepository, inTransaction, sql, type OutboxRelayOptions } from '@baton/postgres';
import type { CommandHandler } from './command-handler';

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
export type CommandResult = 'handled' | 'duplicate';

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
  async handle(envelope: MessageEnvelope): Promise<CommandResult> {
    const handler = this.handlers.get(envelope.type);
    if (!handler) {
      throw new PermanentMessageError(`participant "${this.name}" has no handler for command type "${envelope.type}"`);
    }
    const parsed = validatePayload(handler.command, envelope.payload, envelope.version);
    if (!parsed.ok) {
      throw new PermanentMessageError(`${envelope.type} payload is invalid: ${describeIssues(parsed.issues)}`);
    }
    const result = await inTransaction(this.dataSource.manager, async (tx): Promise<CommandResult> => {
      const { rowCount } = await sql(
        tx,
        `INSERT INTO participant_inbox (participant, message_id, message_type, saga_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT (participant, message_id) DO NOTHING`,
        [this.name, envelope.messageId, envelope.type, envelope.sagaId],
      );
      if (rowCount === 0) return 'duplicate';
      const answer = await handler.handle(parsed.value, { tx, envelope, participant: this.name });
      if (answer) {
        const valid = validatePayload(answer.contract, answer.payload);
        if (!valid.ok) {
          throw new Error(
            `Participant "${this.name}" replied to ${envelope.type} with an invalid ${answer.contract.type}: ${describeIssues(valid.issues)}`,
          );
        }
        const replyEnvelope: MessageEnvelope = {
          messageId: uuidv7(),
          type: answer.contract.type,
          version: answer.contract.version,
          sagaId: envelope.sagaId,
          sagaName: envelope.sagaName,
          correlationId: envelope.correlationId,
          causationId: envelope.messageId,
          sentAt: new Date().toISOString(),
          traceparent: envelope.traceparent,
          tracestate: envelope.tracestate,
          payload: valid.value,
        };
        await this.outbox.append(tx, [{ topic: envelope.replyTo ?? this.options.topics.replies, envelope: replyEnvelope }]);
      }
      return 'handled';
    });
    if (result === 'handled') this.relay.wake();
    return result;
  }
}
