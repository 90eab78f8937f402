import { invalidUtf8Offset } from './utf8';

const strict = new TextDecoder('utf-8', { fatal: true });

function decodes(bytes: Uint8Array): boolean {
  try {
    strict.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

describe('invalidUtf8Offset', () => {
  it('finds nothing in UTF-8, from ASCII to U+10FFFF, noncharacters and a byte order mark included', () => {
    const text = 'plain ASCII, ü, €, 東京, 😀, \u{10ffff}, \uffff, \ufeff';
    expect(invalidUtf8Offset(Buffer.from(text, 'utf8'))).toBeUndefined();
    expect(invalidUtf8Offset(Buffer.alloc(0))).toBeUndefined();
  });

  it.each<[string, number[]]>([
    ['FF', [0xff]],
    ['a lone continuation byte', [0x80]],
    ['an overlong "/" in two bytes', [0xc0, 0xaf]],
    ['an overlong "/" in three bytes', [0xe0, 0x80, 0xaf]],
    ['an overlong "/" in four bytes', [0xf0, 0x80, 0x80, 0xaf]],
    ['the surrogate U+D800', [0xed, 0xa0, 0x80]],
    ['a sequence cut short by ASCII', [0xe2, 0x82, 0x41]],
    ['a sequence cut short by the end', [0xf0, 0x9f, 0x98]],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ])('points at the first byte of %s', (_what, bad) => {
    const bytes = Buffer.concat([Buffer.from('{"a":"é'), Buffer.from(bad), Buffer.from('"}')]);
    expect(invalidUtf8Offset(bytes)).toBe(Buffer.byteLength('{"a":"é'));
  });

  it('agrees with a strict decoder on every sequence of two bytes, and on three and four bytes around each boundary', () => {
    const edges = [
      0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf,
      0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff,
    ];
    const cases: number[][] = [];
    for (let a = 0; a < 256; a++) for (let b = 0; b < 256; b++) cases.push([a, b]);
    for (const a of edges) for (const b of edges) for (const c of edges) {
      cases.push([a, b, c]);
      for (const d of [0x41, 0x80, 0xbf, 0xc0]) cases.push([a, b, c, d]);
    }
    const valid = (bytes: number[]) => invalidUtf8Offset(Uint8Array.from(bytes)) === undefined;
    const disagreements = cases.filter((bytes) => valid(bytes) !== decodes(Uint8Array.from(bytes)));
    expect(disagreements).toEqual([]);
  });
});
