import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import { PermanentMessageError, isUuid, type DeadLetter, type MessageEnvelope } from '@baton/core';

/** Kafka header names of the envelope fields (docs/wire-protocol.md, "Headers"). */
export const HEADERS = {
  messageId: 'message-id',
  type: 'message-type',
  version: 'schema-version',
  sagaId: 'saga-id',
  sagaName: 'saga-name',
  correlationId: 'correlation-id',
  causationId: 'causation-id',
  compensates: 'compensates',
  replyTo: 'reply-to',
  sentAt: 'sent-at',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
} as const;

const REQUIRED = ['messageId', 'type', 'version', 'sagaId', 'sagaName', 'correlationId', 'sentAt'] as const;

/** Key = saga id (one saga, one partition, in order); value = the JSON payload; the rest in headers. */
export function encodeMessage(envelope: MessageEnvelope): Message {
  const headers: IHeaders = {};
  for (const [field, header] of Object.entries(HEADERS) as Array<[keyof typeof HEADERS, string]>) {
    const value = envelope[field];
    if (value !== undefined && value !== null) headers[header] = String(value);
  }
  return { key: envelope.sagaId, value: JSON.stringify(envelope.payload), headers };
}

/** A message that is not a Baton message: it is dead-lettered, never retried. */
export class MalformedMessageError extends PermanentMessageError {
  constructor(problems: string[]) {
    super(`malformed message: ${problems.join('; ')}`);
    this.name = 'MalformedMessageError';
  }
}

export function headersOf(message: KafkaMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (value === undefined) continue;
    headers[name] = (Array.isArray(value) ? value[value.length - 1] : value).toString();
  }
  return headers;
}

/** The message as it arrived, for a dead letter. */
export function rawOf(message: KafkaMessage): NonNullable<DeadLetter['raw']> {
  return { key: message.key?.toString() ?? null, value: message.value?.toString() ?? null, headers: headersOf(message) };
}

/** Reads a Kafka message back into an envelope, or says everything that is wrong with it. */
export function decodeMessage(message: KafkaMessage): MessageEnvelope {
  const headers = headersOf(message);
  const problems: string[] = [];
  for (const field of REQUIRED) {
    if (!headers[HEADERS[field]]) problems.push(`header "${HEADERS[field]}" is missing`);
  }
  const version = Number(headers[HEADERS.version]);
  if (headers[HEADERS.version] && (!Number.isInteger(version) || version < 1)) {
    problems.push(`header "${HEADERS.version}" must be a positive integer, got "${headers[HEADERS.version]}"`);
  }
  const sagaId = headers[HEADERS.sagaId];
  if (sagaId && !isUuid(sagaId)) problems.push(`header "${HEADERS.sagaId}" is not a uuid: "${sagaId}"`);
  let payload: unknown;
  try {
    payload = JSON.parse(message.value?.toString() ?? '');
  } catch (error) {
    problems.push(`the value is not JSON (${(error as Error).message})`);
  }
  if (problems.length) throw new MalformedMessageError(problems);
  return {
    messageId: headers[HEADERS.messageId],
    type: headers[HEADERS.type],
    version,
    sagaId,
    sagaName: headers[HEADERS.sagaName],
    correlationId: headers[HEADERS.correlationId],
    causationId: headers[HEADERS.causationId],
    compensates: headers[HEADERS.compensates],
    replyTo: headers[HEADERS.replyTo],
    sentAt: headers[HEADERS.sentAt],
    traceparent: headers[HEADERS.traceparent],
    tracestate: headers[HEADERS.tracestate],
    payload,
  };
}
