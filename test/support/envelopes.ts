import { defaultTopicNames, uuidv7, type CommandContract, type EventContract, type MessageEnvelope, type PayloadOf } from '@baton/core';

/** A participant's reply to an order saga, as it would arrive: for tests that answer in its place. */
export function orderReply(sagaId: string, type: string, payload: unknown, messageId: string = uuidv7()): MessageEnvelope {
  return {
    messageId,
    type,
    version: 1,
    sagaId,
    sagaName: 'order-fulfillment',
    correlationId: sagaId,
    sentAt: new Date().toISOString(),
    payload,
  };
}

/** A command of an order saga, as the orchestrator sends it: for tests that play the orchestrator to a participant. */
export function orderCommand<C extends CommandContract>(
  contract: C,
  payload: PayloadOf<C>,
  sagaId: string = uuidv7(),
  extra: Partial<MessageEnvelope> = {},
): MessageEnvelope {
  return {
    messageId: uuidv7(),
    type: contract.type,
    version: contract.version,
    sagaId,
    sagaName: 'order-fulfillment',
    correlationId: sagaId,
    replyTo: defaultTopicNames().replies,
    sentAt: new Date().toISOString(),
    payload,
    ...extra,
  };
}

/** The reply a participant sends to `command`, as a matcher: its headers stamped from the command, any message id and time. */
export function replyAnswering<E extends EventContract>(command: MessageEnvelope, contract: E, payload: PayloadOf<E>): MessageEnvelope {
  return {
    messageId: expect.any(String),
    type: contract.type,
    version: contract.version,
    sagaId: command.sagaId,
    sagaName: command.sagaName,
    correlationId: command.correlationId,
    causationId: command.messageId,
    sentAt: expect.any(String),
    payload,
  };
}
