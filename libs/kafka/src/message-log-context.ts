import type { KafkaMessage } from 'kafkajs';
import { logContextOf, type LogContext } from '@baton/core';
import { HEADERS, headersOf } from './header-codec';

/**
 * The log context of a consumed message, read from its headers as they are:
 * a message that does not decode (and is dead-lettered) still names the saga
 * it claims in the lines about it.
 */
export function logContextOfMessage(message: KafkaMessage): LogContext {
  const headers = headersOf(message);
  return logContextOf({
    sagaId: headers[HEADERS.sagaId],
    sagaName: headers[HEADERS.sagaName],
    correlationId: headers[HEADERS.correlationId],
    messageId: headers[HEADERS.messageId],
    traceparent: headers[HEADERS.traceparent],
  });
}
