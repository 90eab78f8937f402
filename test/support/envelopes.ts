import { uuidv7, type MessageEnvelope } from '@baton/core';

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
