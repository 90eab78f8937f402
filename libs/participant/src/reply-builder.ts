import {
  CommandFailed,
  describeIssues,
  uuidv7,
  validatePayload,
  type EventContract,
  type MessageEnvelope,
} from '@baton/core';
import type { NewOutboxMessage } from '@baton/postgres';
import { currentTraceCarrierOr } from '@baton/tracing';

/**
 * Builds one participant's replies to its commands, as outbox messages: to
 * the topic the command names in `replyTo`, or else the saga replies topic.
 */
export class ReplyBuilder {
  constructor(
    private readonly participant: string,
    /** The saga replies topic, for a command that names no `replyTo`. */
    private readonly repliesTopic: string,
  ) {}

  /**
   * The reply answering `command`; `messageId`: the one recorded with the
   * command, if it was. Throws if the handler's payload breaks its contract.
   */
  to(command: MessageEnvelope, contract: EventContract, payload: unknown, messageId = uuidv7()): NewOutboxMessage {
    const valid = validatePayload(contract, payload);
    if (!valid.ok) {
      throw new Error(
        `Participant "${this.participant}" replied to ${command.type} with an invalid ${contract.type}: ${describeIssues(valid.issues)}`,
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
    return { topic: command.replyTo ?? this.repliesTopic, envelope };
  }

  /** CommandFailed (transient) answering `command`, whose handler could not do its work this time. */
  transientFailure(command: MessageEnvelope, reason: string): NewOutboxMessage {
    return this.to(command, CommandFailed, { command: command.type, reason, transient: true });
  }

  /** CommandFailed (not transient) answering `command`, whose handler refused it; `messageId` as in `to`. */
  refusal(command: MessageEnvelope, reason: string, messageId?: string): NewOutboxMessage {
    return this.to(command, CommandFailed, { command: command.type, reason, transient: false }, messageId);
  }
}
