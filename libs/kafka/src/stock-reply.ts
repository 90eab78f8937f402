import { createHash } from 'node:crypto';
import type { KafkaMessage } from 'kafkajs';
import { CommandFailed, PermanentMessageError, type MessageEnvelope, type SubscribeOptions } from '@baton/core';
import {
  HEADERS,
  MalformedMessageError,
  NEST_HEADERS,
  decodeMessage,
  headerBytes,
  headerText,
  payloadOf,
  readHeaders,
  requireHeaders,
  versionOf,
  type HeaderField,
} from './header-codec';
import type { MessageAt } from './message-attempts';

/** The saga's headers, which a stock reply may leave out: they are read from the command it answers. */
const FROM_THE_COMMAND = ['sagaId', 'sagaName', 'correlationId'] as const;

/**
 * The envelope of a delivered message: a Baton message as it is, or a reply
 * written by a stock @nestjs/microservices ServerKafka, completed from the
 * command it answers. Undefined for a stock reply that answers nothing (a
 * handler that returned nothing, or the end of its stream sent on its own).
 * Throws MalformedMessageError (or another PermanentMessageError) for a
 * message that can never apply.
 */
export async function readEnvelope(at: MessageAt, sentCommand: SubscribeOptions['sentCommand']): Promise<MessageEnvelope | undefined> {
  return isStockReply(at.message) ? decodeStockReply(at, sentCommand) : decodeMessage(at.message);
}

/**
 * A ServerKafka reply carries the correlation id of the request it answers
 * and no reply topic; a request (a Baton command among them) carries both.
 */
function isStockReply(message: KafkaMessage): boolean {
  return headerBytes(message, NEST_HEADERS.correlationId) !== undefined && headerBytes(message, NEST_HEADERS.replyTopic) === undefined;
}

/**
 * A stock ServerKafka reply (docs/wire-protocol.md, "Replies from stock
 * @nestjs/microservices peers"): `kafka_correlationId` names the command it
 * answers, which is its causation id; the saga's headers it leaves out come
 * from that command (those it gives must agree); `kafka_nest-err` (the
 * handler threw) is a CommandFailed that is not transient; `message-id` and
 * `sent-at`, when missing, are the record's own (an id derived from its
 * topic, partition and offset, so a redelivery of the record is the same
 * message; its timestamp). Everything else is as for any reply.
 */
async function decodeStockReply(at: MessageAt, sentCommand: SubscribeOptions['sentCommand']): Promise<MessageEnvelope | undefined> {
  const { message } = at;
  const problems: string[] = [];
  const commandId = textOf(message, NEST_HEADERS.correlationId, problems);
  const error = textOf(message, NEST_HEADERS.error, problems);
  const headers = readHeaders(message, problems);
  if (error === undefined && !headers.type && message.value === null && !problems.length) return undefined;
  if (!sentCommand) {
    problems.push(`header "${NEST_HEADERS.correlationId}" makes it a @nestjs/microservices reply, but nothing this consumer sent can match it`);
  }
  if (problems.length || !commandId || !sentCommand) throw new MalformedMessageError(problems);
  const command = await sentCommand(commandId);
  if (!command) {
    throw new PermanentMessageError(
      `a @nestjs/microservices reply to message ${commandId} (header "${NEST_HEADERS.correlationId}"), which was never sent from here`,
    );
  }
  let type: string;
  let version: number;
  let payload: unknown;
  if (error !== undefined) {
    type = CommandFailed.type;
    version = CommandFailed.version;
    payload = { command: command.type, reason: reasonOf(error), transient: false };
  } else {
    requireHeaders(headers, ['type', 'version'], problems);
    type = headers.type!;
    version = versionOf(headers.version, problems);
    payload = payloadOf(message.value, problems);
  }
  for (const field of FROM_THE_COMMAND) agreeWith(headers, field, command[field], problems);
  agreeWith(headers, 'causationId', command.messageId, problems);
  if (problems.length) throw new MalformedMessageError(problems);
  return {
    messageId: headers.messageId ?? recordId(at),
    type,
    version,
    sagaId: command.sagaId,
    sagaName: command.sagaName,
    correlationId: command.correlationId,
    causationId: command.messageId,
    sentAt: headers.sentAt ?? new Date(Number(message.timestamp)).toISOString(),
    // One trace per saga: a peer that does not propagate the trace is a child of the command's.
    traceparent: headers.traceparent ?? command.traceparent,
    tracestate: headers.traceparent ? headers.tracestate : command.tracestate,
    payload,
  };
}

/** A header's text (undefined when absent); unusable bytes are a problem. */
function textOf(message: KafkaMessage, name: string, problems: string[]): string | undefined {
  const bytes = headerBytes(message, name);
  if (bytes === undefined) return undefined;
  const decoded = headerText(bytes);
  if ('problem' in decoded) {
    problems.push(`header "${name}" ${decoded.problem}`);
    return undefined;
  }
  return decoded.text;
}

/** A header the reply gives must say what the command it answers says. */
function agreeWith(headers: Partial<Record<HeaderField, string>>, field: HeaderField, expected: string, problems: string[]): void {
  const given = headers[field];
  if (given !== undefined && given !== expected) {
    problems.push(`header "${HEADERS[field]}" is "${given}", but the command it answers says "${expected}"`);
  }
}

/** ServerKafka's `kafka_nest-err`: the RpcException's error as JSON (its `message`, when it has one) or as text. */
function reasonOf(error: string): string {
  try {
    const parsed: unknown = JSON.parse(error);
    if (parsed && typeof parsed === 'object' && typeof (parsed as { message?: unknown }).message === 'string') {
      return (parsed as { message: string }).message;
    }
  } catch {
    // plain text
  }
  return error;
}

/** A uuid that only this record has (name-based, version 8, from its topic, partition and offset). */
export function recordId({ topic, partition, message }: MessageAt): string {
  const bytes = createHash('sha256').update(`${topic}\u0000${partition}\u0000${message.offset}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x80;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
