import type { JsonSchema } from './payload-schema';

/** How a message is used on the wire, for what its headers hold. */
export interface HeaderUse {
  /** A command the orchestrator sends, or a reply it receives. */
  readonly kind: 'command' | 'reply';
  readonly type: string;
  /** The contract's version: what the orchestrator writes, and what a reply's payload is read as. */
  readonly version: number;
  /** A reply written against an older version is upcast to this one: `schema-version` may be lower. */
  readonly upcasts: boolean;
  /** The sagas that send or receive it (`saga-name`). */
  readonly sagaNames: readonly string[];
  /** Sent as a compensation: always (`compensates` required), sometimes (present then), or never. */
  readonly compensation: 'always' | 'sometimes' | 'never';
}

const text = (description: string, extra: JsonSchema = {}): JsonSchema => ({ type: 'string', description, ...extra });
const uuid = (description: string) => text(description, { format: 'uuid' });

/** Headers every message carries (docs/wire-protocol.md, "Headers"). */
function commonHeaders(use: HeaderUse): Record<string, JsonSchema> {
  const version = String(use.version);
  return {
    'message-id': uuid('Time-ordered uuid. The receiver dedupes on it; a retried command keeps its id.'),
    'message-type': text("The contract's name.", { const: use.type }),
    'schema-version': use.upcasts
      ? text(`The contract version the payload was written against, a decimal integer: ${version}, or an older one, which is upcast.`, {
          pattern: '^[0-9]+$',
        })
      : text('The contract version the payload was written against, a decimal integer.', { const: version }),
    'saga-id': uuid('The saga instance; also the Kafka key.'),
    'saga-name': text("The saga's definition name.", { enum: [...use.sagaNames] }),
    'correlation-id': text('Shared by every message of one saga; copied onto replies.'),
    'sent-at': text('When the message was written (ISO-8601).', { format: 'date-time' }),
  };
}

const TRACE_HEADERS: Record<string, JsonSchema> = {
  traceparent: text('W3C trace context: the handling span is a child of the sender\'s.'),
  tracestate: text('W3C trace context, with traceparent.'),
};

const REQUIRED = ['message-id', 'message-type', 'schema-version', 'saga-id', 'saga-name', 'correlation-id', 'sent-at'];

/** Headers of a command, sent by the orchestrator. */
function commandHeaders(use: HeaderUse): Record<string, JsonSchema> {
  return {
    'causation-id': text('What made the saga send it (the message-id of a reply, the saga id for its start, or a timer); not needed to handle it.'),
    'reply-to': text('The topic to reply on.'),
    ...(use.compensation !== 'never'
      ? { compensates: uuid('On a compensation: the message-id of the command it undoes, which may never have arrived.') }
      : {}),
    kafka_correlationId: text('The message-id again, for a participant built on @nestjs/microservices; Baton peers may ignore it.'),
    kafka_replyTopic: text('The reply-to topic again, for a participant built on @nestjs/microservices; Baton peers may ignore it.'),
  };
}

/** Headers of a reply, sent by a participant. */
function replyHeaders(): Record<string, JsonSchema> {
  return { 'causation-id': uuid('The message-id of the command this reply answers; the orchestrator matches the reply to its command by it.') };
}

/**
 * The headers of a message as a JSON Schema object: every header Baton
 * reads or writes, the required ones listed (docs/wire-protocol.md,
 * "Headers"). Other headers may be present.
 */
export function headersSchema(use: HeaderUse): JsonSchema {
  const own = use.kind === 'command' ? commandHeaders(use) : replyHeaders();
  const required = [
    ...REQUIRED,
    ...(use.kind === 'command' ? ['reply-to'] : ['causation-id']),
    ...(use.kind === 'command' && use.compensation === 'always' ? ['compensates'] : []),
  ];
  return { type: 'object', properties: { ...commonHeaders(use), ...own, ...TRACE_HEADERS }, required };
}
