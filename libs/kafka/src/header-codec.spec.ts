import type { IHeaders, KafkaMessage } from 'kafkajs';
import { MAX_JSON_DEPTH, uuidv7, type MessageEnvelope } from '@baton/core';
import { MalformedMessageError, decodeMessage, encodeMessage, rawOf } from './header-codec';

function envelope(payload: unknown = { orderId: 'o-1' }): MessageEnvelope {
  const sagaId = uuidv7();
  return {
    messageId: uuidv7(),
    type: 'StockReserved',
    version: 1,
    sagaId,
    sagaName: 'order-fulfillment',
    correlationId: sagaId,
    sentAt: new Date().toISOString(),
    payload,
  };
}

/** A message as kafkajs delivers it: Buffers everywhere. */
function delivered(value: Buffer | null, headers: IHeaders = encodeMessage(envelope()).headers!): KafkaMessage {
  const asBuffers: IHeaders = {};
  for (const [name, v] of Object.entries(headers)) {
    asBuffers[name] = Array.isArray(v) ? v.map((one) => Buffer.from(one as any)) : v === undefined ? undefined : Buffer.from(v as any);
  }
  return { key: Buffer.from('k'), value, headers: asBuffers, offset: '0', timestamp: '0', attributes: 0 } as KafkaMessage;
}

const json = (text: string) => delivered(Buffer.from(text, 'utf8'));

/** Byte sequences that are not UTF-8, one per way of breaking it. */
const NOT_UTF8: Array<[string, number[]]> = [
  ['a byte that never occurs (FF)', [0x22, 0xff, 0x22]],
  ['a byte that never occurs (FE)', [0x22, 0xfe, 0x22]],
  ['a lone continuation byte', [0x22, 0x80, 0x22]],
  ['a two-byte sequence cut short', [0x22, 0xc3, 0x22]],
  ['a three-byte sequence cut short at the end', [0x22, 0xe2, 0x82]],
  ['an overlong slash (C0 AF)', [0x22, 0xc0, 0xaf, 0x22]],
  ['an overlong slash (E0 80 AF)', [0x22, 0xe0, 0x80, 0xaf, 0x22]],
  ['an overlong NUL (C0 80)', [0x22, 0xc0, 0x80, 0x22]],
  ['an encoded surrogate (ED A0 80)', [0x22, 0xed, 0xa0, 0x80, 0x22]],
  ['a code point beyond U+10FFFF (F4 90 80 80)', [0x22, 0xf4, 0x90, 0x80, 0x80, 0x22]],
];

describe('decodeMessage: what a message may hold (docs/wire-protocol.md, "Text")', () => {
  it('decodes what encodeMessage wrote, every storable control character and emoji included', () => {
    const controls = Array.from({ length: 31 }, (_, i) => String.fromCharCode(i + 1)).join('') + '\u007f';
    const sent = envelope({ note: controls, emoji: '😀', bom: '\ufeff' });
    const message = encodeMessage(sent);
    expect(decodeMessage(delivered(Buffer.from(String(message.value)), message.headers))).toEqual(sent);
  });

  it.each([
    ['an escaped U+0000', '{"orderId":"a\\u0000b"}', '/orderId', /U\+0000/],
    ['an escaped lone high surrogate', '{"orderId":"a\\ud800b"}', '/orderId', /unpaired surrogate U\+D800/],
    ['an escaped lone low surrogate', '{"lines":[{"sku":"\\udc00"}]}', '/lines/0/sku', /unpaired surrogate U\+DC00/],
    ['a reversed surrogate pair', '{"x":"\\udc00\\ud800"}', '/x', /unpaired surrogate/],
    ['U+0000 in a key', '{"a\\u0000":1}', '/a\u0000', /key contains U\+0000/],
  ])('refuses a value with %s, naming where', (_name, text, path, problem) => {
    const error = catchError(() => decodeMessage(json(text)));
    expect(error).toBeInstanceOf(MalformedMessageError);
    expect(error.message).toContain(`the value at ${path} `);
    expect(error.message).toMatch(problem);
  });

  it('refuses a raw U+0000 byte in the value as malformed JSON', () => {
    expect(() => decodeMessage(delivered(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0x00, 0x22, 0x7d])))).toThrow(/is not JSON/);
  });

  it.each(NOT_UTF8)('refuses a value with %s, naming the byte', (_name, bytes) => {
    expect(() => decodeMessage(delivered(Buffer.from(bytes)))).toThrow(/the value is not valid UTF-8 \(at byte 1 of \d+: [0-9a-f]{2}( [0-9a-f]{2})*\)/);
  });

  it('ignores a UTF-8 byte order mark before the JSON, as RFC 8259 allows', () => {
    expect(decodeMessage(delivered(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"orderId":"o-1"}')]))).payload).toEqual({ orderId: 'o-1' });
  });

  it(`refuses nesting deeper than ${MAX_JSON_DEPTH} levels, however deep`, () => {
    for (const depth of [MAX_JSON_DEPTH + 1, 1000, 100_000]) {
      expect(() => decodeMessage(json('['.repeat(depth) + ']'.repeat(depth)))).toThrow(/nests deeper than 64 levels/);
    }
    expect(decodeMessage(json('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH))).payload).toBeDefined();
  });

  it('refuses an empty (null) value', () => {
    expect(() => decodeMessage(delivered(null))).toThrow(/the value is empty/);
  });

  it.each([
    ['U+0000', Buffer.from('a\u0000b')],
    ['bytes that are not UTF-8', Buffer.from([0x61, 0xff])],
    ['an overlong encoding', Buffer.from([0xc0, 0xaf])],
  ])('refuses a header the envelope reads holding %s, and says which', (_name, bytes) => {
    const headers = { ...encodeMessage(envelope()).headers, 'message-type': bytes };
    const error = catchError(() => decodeMessage(delivered(Buffer.from('{}'), headers)));
    expect(error.message).toMatch(/header "message-type" (contains U\+0000|is not valid UTF-8)/);
    expect(error.message).not.toContain('is missing');
  });

  it('ignores headers it does not read, whatever they hold', () => {
    const headers = { ...encodeMessage(envelope()).headers, 'x-anything': Buffer.from([0x00, 0xff]) };
    expect(decodeMessage(delivered(Buffer.from('{}'), headers)).payload).toEqual({});
  });

  it('refuses a schema version that is not a plain decimal integer', () => {
    for (const version of ['1e3', '0x1', ' 1', '1.0', '0', '-1', '99999999999999999999']) {
      const headers = { ...encodeMessage(envelope()).headers, 'schema-version': version };
      expect(() => decodeMessage(delivered(Buffer.from('{}'), headers))).toThrow(/schema-version" must be a positive decimal integer/);
    }
  });
});

describe('rawOf', () => {
  it('keeps the message byte for byte: key, value, every header in order, repeated ones and empty ones', () => {
    const value = Buffer.from([0x00, 0xff, 0xc0, 0xaf]);
    const message = {
      key: Buffer.from([0xfe]),
      value,
      headers: { a: [Buffer.from([1]), Buffer.from([0])], b: undefined, c: Buffer.from('text') },
      offset: '0',
      timestamp: '0',
      attributes: 0,
    } as unknown as KafkaMessage;
    expect(rawOf(message)).toEqual({
      key: Buffer.from([0xfe]),
      value,
      headers: [
        { name: 'a', value: Buffer.from([1]) },
        { name: 'a', value: Buffer.from([0]) },
        { name: 'b', value: null },
        { name: 'c', value: Buffer.from('text') },
      ],
    });
  });
});

function catchError(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}
