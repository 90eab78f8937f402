import type { IHeaders, KafkaMessage } from 'kafkajs';
import { PermanentMessageError, isUuid, uuidv7, type MessageEnvelope } from '@baton/core';
import { MalformedMessageError, decodeMessage, encodeMessage } from './header-codec';
import { readEnvelope, recordId } from './stock-reply';

/** A command as the orchestrator sent it (and keeps it in its outbox). */
function sentCommand(): MessageEnvelope {
  const sagaId = uuidv7();
  return {
    messageId: uuidv7(),
    type: 'AuthorizePayment',
    version: 1,
    sagaId,
    sagaName: 'order-fulfillment',
    correlationId: sagaId,
    replyTo: 'saga.replies',
    sentAt: new Date().toISOString(),
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    payload: { orderId: 'o-1', amountCents: 100 },
  };
}

/** A message as kafkajs delivers it from ServerKafka: Buffers, a key or none, the record's timestamp. */
function fromServerKafka(value: string | null, headers: Record<string, string>, offset = '7'): KafkaMessage {
  const asBuffers: IHeaders = {};
  for (const [name, text] of Object.entries(headers)) asBuffers[name] = Buffer.from(text);
  return {
    key: null,
    value: value === null ? null : Buffer.from(value),
    headers: asBuffers,
    offset,
    timestamp: String(Date.parse('2026-11-30T10:00:00.000Z')),
    attributes: 0,
  } as KafkaMessage;
}

describe('replies from a stock @nestjs/microservices ServerKafka (docs/wire-protocol.md)', () => {
  const command = sentCommand();
  const lookup = async (id: string) => (id === command.messageId ? command : undefined);
  const read = (message: KafkaMessage, sent: typeof lookup | undefined = lookup) =>
    readEnvelope({ topic: 'saga.replies', partition: 2, message }, sent);

  it('stamps the headers a stock handler needs to reply on every command, and only on commands', () => {
    const headers = encodeMessage(command).headers!;
    expect(headers['kafka_correlationId']).toBe(command.messageId);
    expect(headers['kafka_replyTopic']).toBe('saga.replies');
    const { replyTo: _none, ...reply } = command;
    expect(Object.keys(encodeMessage(reply).headers!).filter((name) => name.startsWith('kafka_'))).toEqual([]);
  });

  it('completes a reply that gives only its type and version from the command it answers', async () => {
    const envelope = await read(
      fromServerKafka('{"authorizationId":"a-1"}', { kafka_correlationId: command.messageId, 'message-type': 'PaymentAuthorized', 'schema-version': '1' }),
    );
    expect(envelope).toEqual({
      messageId: expect.any(String),
      type: 'PaymentAuthorized',
      version: 1,
      sagaId: command.sagaId,
      sagaName: 'order-fulfillment',
      correlationId: command.correlationId,
      causationId: command.messageId,
      sentAt: '2026-11-30T10:00:00.000Z',
      traceparent: command.traceparent,
      tracestate: undefined,
      payload: { authorizationId: 'a-1' },
    });
    expect(isUuid(envelope!.messageId)).toBe(true);
  });

  it('keeps what the reply gives: its message id (so a reply sent again is the same message), sent-at and trace', async () => {
    const messageId = uuidv7();
    const headers = {
      kafka_correlationId: command.messageId,
      'message-id': messageId,
      'message-type': 'PaymentAuthorized',
      'schema-version': '1',
      'saga-id': command.sagaId,
      'sent-at': '2026-11-30T09:00:00.000Z',
      traceparent: '00-11111111111111111111111111111111-2222222222222222-01',
    };
    const envelope = await read(fromServerKafka('{}', headers));
    expect(envelope).toMatchObject({ messageId, sentAt: '2026-11-30T09:00:00.000Z', traceparent: headers.traceparent, sagaId: command.sagaId });
  });

  it('gives a reply without a message id the id of its record: the same record read twice is one message, another record another', () => {
    const at = (offset: string) => ({ topic: 'saga.replies', partition: 2, message: fromServerKafka('{}', {}, offset) });
    expect(recordId(at('7'))).toBe(recordId(at('7')));
    expect(recordId(at('7'))).not.toBe(recordId(at('8')));
    expect(recordId(at('7'))).not.toBe(recordId({ ...at('7'), partition: 1 }));
    expect(isUuid(recordId(at('7')))).toBe(true);
  });

  it('turns kafka_nest-err (the handler threw) into a CommandFailed that is not transient, with the error message as the reason', async () => {
    const thrown = await read(
      fromServerKafka(null, { kafka_correlationId: command.messageId, 'kafka_nest-err': '{"status":"error","message":"card declined"}', 'kafka_nest-is-disposed': '\u0000' }),
    );
    expect(thrown).toMatchObject({
      type: 'CommandFailed',
      version: 1,
      sagaId: command.sagaId,
      causationId: command.messageId,
      payload: { command: 'AuthorizePayment', reason: 'card declined', transient: false },
    });
    const text = await read(fromServerKafka(null, { kafka_correlationId: command.messageId, 'kafka_nest-err': 'There is no matching message handler' }));
    expect(text?.payload).toEqual({ command: 'AuthorizePayment', reason: 'There is no matching message handler', transient: false });
  });

  it('skips what answers nothing: a handler that returned nothing, or the end of its stream sent on its own', async () => {
    expect(await read(fromServerKafka(null, { kafka_correlationId: command.messageId }))).toBeUndefined();
    expect(await read(fromServerKafka(null, { kafka_correlationId: command.messageId, 'kafka_nest-is-disposed': '\u0000' }))).toBeUndefined();
  });

  it('dead-letters, with the reason, a reply that cannot be applied', async () => {
    const failure = async (message: KafkaMessage) => {
      try {
        await read(message);
      } catch (error) {
        expect(error).toBeInstanceOf(PermanentMessageError);
        return (error as Error).message;
      }
      throw new Error('expected the reply to be refused');
    };
    const reply = { kafka_correlationId: command.messageId, 'message-type': 'PaymentAuthorized', 'schema-version': '1' };
    expect(await failure(fromServerKafka('{}', { ...reply, kafka_correlationId: uuidv7() }))).toMatch(/reply to message .* which was never sent from here/);
    expect(await failure(fromServerKafka('{}', { kafka_correlationId: command.messageId }))).toMatch(
      /header "message-type" is missing; header "schema-version" is missing/,
    );
    expect(await failure(fromServerKafka('not json', reply))).toMatch(/the value is not JSON/);
    expect(await failure(fromServerKafka('{}', { ...reply, 'schema-version': '1.0' }))).toMatch(/"schema-version" must be a positive decimal integer/);
    const otherSaga = uuidv7();
    expect(await failure(fromServerKafka('{}', { ...reply, 'saga-id': otherSaga }))).toContain(
      `header "saga-id" is "${otherSaga}", but the command it answers says "${command.sagaId}"`,
    );
    expect(await failure(fromServerKafka('{}', { ...reply, 'causation-id': 'x' }))).toContain('header "causation-id" is "x"');
    // A consumer that sends no commands (a participant's) cannot complete such a reply.
    await expect(readEnvelope({ topic: 'inventory.commands', partition: 0, message: fromServerKafka('{}', reply) }, undefined)).rejects.toThrow(
      /^malformed message: header "kafka_correlationId" makes it a @nestjs\/microservices reply, but nothing this consumer sent can match it$/,
    );
  });

  it('reads a command as a command, though it carries kafka_correlationId (with kafka_replyTopic, it is a request)', async () => {
    const message = encodeMessage(command);
    const delivered = fromServerKafka(String(message.value), Object.fromEntries(Object.entries(message.headers!).map(([k, v]) => [k, String(v)])));
    expect(await readEnvelope({ topic: 'payment.commands', partition: 0, message: delivered }, undefined)).toEqual(command);
  });

  it('reads a Baton message as before: without kafka_correlationId nothing is looked up', async () => {
    const message = encodeMessage({ ...command, replyTo: undefined, type: 'PaymentAuthorized', causationId: uuidv7() });
    const delivered = fromServerKafka(String(message.value), Object.fromEntries(Object.entries(message.headers!).map(([k, v]) => [k, String(v)])));
    const never = async () => {
      throw new Error('looked up');
    };
    expect(await read(delivered, never)).toEqual(decodeMessage(delivered));
    await expect(read(fromServerKafka('{}', {}), never)).rejects.toBeInstanceOf(MalformedMessageError);
  });
});
