import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import { PermanentMessageError, findUnstorable, invalidUtf8Offset, isUuid, unstorableText, type MessageEnvelope, type RawMessage } from '@baton/core';

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

/** An envelope field carried in a header. */
export type HeaderField = keyof typeof HEADERS;

/**
 * Headers of @nestjs/microservices' Kafka transport (its KafkaHeaders): a
 * stock ServerKafka answers a message carrying a correlation id and a reply
 * topic, and marks an answer that is an error or the end of the handler's
 * stream (docs/wire-protocol.md, "Replies from stock @nestjs/microservices
 * peers").
 */
export const NEST_HEADERS = {
  correlationId: 'kafka_correlationId',
  replyTopic: 'kafka_replyTopic',
  error: 'kafka_nest-err',
  disposed: 'kafka_nest-is-disposed',
} as const;

const REQUIRED = ['messageId', 'type', 'version', 'sagaId', 'sagaName', 'correlationId', 'sentAt'] as const;

/** Key = saga id (one saga, one partition, in order); value = the JSON payload; the rest in headers. */
export function encodeMessage(envelope: MessageEnvelope): Message {
  const headers: IHeaders = {};
  for (const [field, header] of Object.entries(HEADERS) as Array<[HeaderField, string]>) {
    const value = envelope[field];
    if (value !== undefined && value !== null) headers[header] = String(value);
  }
  if (envelope.replyTo) {
    // So a stock @nestjs/microservices ServerKafka handler's return value is sent as the reply (docs/wire-protocol.md).
    headers[NEST_HEADERS.correlationId] = envelope.messageId;
    headers[NEST_HEADERS.replyTopic] = envelope.replyTo;
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

/** Strict UTF-8: bytes that are not (overlong forms, encoded surrogates, truncated sequences) fail; a leading BOM is dropped. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The bytes as text, or where they stop being UTF-8. */
function utf8Of(bytes: Uint8Array): { text: string } | { problem: string } {
  try {
    return { text: UTF8.decode(bytes) };
  } catch {
    return { problem: `is not valid UTF-8 (${invalidUtf8At(bytes)})` };
  }
}

/** Bytes shown from where UTF-8 breaks: a UTF-8 sequence is at most four bytes long, so the whole broken one shows. */
const INVALID_UTF8_BYTES_SHOWN = 4;

/** Where the first byte that breaks UTF-8 is, for the dead letter's reason. */
function invalidUtf8At(bytes: Uint8Array): string {
  const at = invalidUtf8Offset(bytes) ?? 0;
  const shown = [...bytes.subarray(at, at + INVALID_UTF8_BYTES_SHOWN)].map((byte) => byte.toString(16).padStart(2, '0')).join(' ');
  return `at byte ${at} of ${bytes.length}: ${shown}`;
}

/** A header's text, or what makes it unusable (docs/wire-protocol.md, "Text"). */
export function headerText(bytes: Uint8Array): { text: string } | { problem: string } {
  const decoded = utf8Of(bytes);
  if ('problem' in decoded) return decoded;
  const problem = unstorableText(decoded.text);
  return problem ? { problem } : decoded;
}

/** The headers as text, leniently (a byte that is not UTF-8 becomes U+FFFD): for log lines about any message. */
export function headersOf(message: KafkaMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of Object.keys(message.headers ?? {})) {
    const bytes = headerBytes(message, name);
    if (bytes) headers[name] = bytes.toString('utf8');
  }
  return headers;
}

/** The last value of each header, as Kafka clients read a repeated header; undefined for a header without a value. */
export function headerBytes(message: KafkaMessage, name: string): Buffer | undefined {
  const value = message.headers?.[name];
  if (value === undefined) return undefined;
  return bytesOf(Array.isArray(value) ? value[value.length - 1] : value) ?? undefined;
}

/** One header value as bytes (kafkajs delivers Buffers; a producer in process may hand strings); null when it has none. */
function bytesOf(value: Buffer | string | undefined | null): Buffer | null {
  if (value === undefined || value === null) return null;
  return Buffer.isBuffer(value) ? value : Buffer.from(String(value));
}

/** The message as it arrived, byte for byte, for a dead letter. */
export function rawOf(message: KafkaMessage): RawMessage {
  const headers: Array<{ name: string; value: Uint8Array | null }> = [];
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    for (const one of Array.isArray(value) ? value : [value]) {
      headers.push({ name, value: bytesOf(one) });
    }
  }
  return { key: message.key ?? null, value: message.value ?? null, headers };
}

/** The envelope headers a message carries, as text; a header that is not usable text is a problem instead. */
export function readHeaders(message: KafkaMessage, problems: string[]): Partial<Record<HeaderField, string>> {
  const headers: Partial<Record<HeaderField, string>> = {};
  for (const [field, name] of Object.entries(HEADERS) as Array<[HeaderField, string]>) {
    const bytes = headerBytes(message, name);
    if (bytes === undefined) continue;
    const decoded = headerText(bytes);
    if ('problem' in decoded) problems.push(`header "${name}" ${decoded.problem}`);
    else headers[field] = decoded.text;
  }
  return headers;
}

/** Adds a problem for each of `fields` missing from `headers` (one that was unusable has its problem already). */
export function requireHeaders(headers: Partial<Record<HeaderField, string>>, fields: readonly HeaderField[], problems: string[]): void {
  for (const field of fields) {
    if (!headers[field] && !problems.some((p) => p.startsWith(`header "${HEADERS[field]}"`))) {
      problems.push(`header "${HEADERS[field]}" is missing`);
    }
  }
}

/** The schema version a header holds: a positive decimal integer (docs/wire-protocol.md, "Text"). */
export function versionOf(text: string | undefined, problems: string[]): number {
  const version = Number(text);
  if (text && (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(version) || version < 1)) {
    problems.push(`header "${HEADERS.version}" must be a positive decimal integer, got "${text}"`);
  }
  return version;
}

/** Reads a Kafka message back into an envelope, or says everything that is wrong with it. */
export function decodeMessage(message: KafkaMessage): MessageEnvelope {
  const problems: string[] = [];
  const headers = readHeaders(message, problems);
  requireHeaders(headers, REQUIRED, problems);
  const version = versionOf(headers.version, problems);
  if (headers.sagaId && !isUuid(headers.sagaId)) problems.push(`header "${HEADERS.sagaId}" is not a uuid: "${headers.sagaId}"`);
  const payload = payloadOf(message.value, problems);
  if (problems.length) throw new MalformedMessageError(problems);
  return {
    messageId: headers.messageId!,
    type: headers.type!,
    version,
    sagaId: headers.sagaId!,
    sagaName: headers.sagaName!,
    correlationId: headers.correlationId!,
    causationId: headers.causationId,
    compensates: headers.compensates,
    replyTo: headers.replyTo,
    sentAt: headers.sentAt!,
    traceparent: headers.traceparent,
    tracestate: headers.tracestate,
    payload,
  };
}

/** The value as JSON Baton can keep: UTF-8 JSON whose strings hold no U+0000 or unpaired surrogate, at most 64 levels deep. */
export function payloadOf(value: Buffer | null, problems: string[]): unknown {
  if (value === null) {
    problems.push('the value is empty (null): a payload is a JSON value');
    return undefined;
  }
  const decoded = utf8Of(value);
  if ('problem' in decoded) {
    problems.push(`the value ${decoded.problem}`);
    return undefined;
  }
  let payload: unknown;
  try {
    payload = JSON.parse(decoded.text);
  } catch (error) {
    problems.push(`the value is not JSON (${(error as Error).message})`);
    return undefined;
  }
  const unstorable = findUnstorable(payload);
  if (unstorable) problems.push(`the value at ${unstorable.path || '(the whole value)'} ${unstorable.problem}`);
  return payload;
}
