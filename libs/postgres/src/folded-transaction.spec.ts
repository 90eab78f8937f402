import { inlineParameters, quoteLiteral } from './folded-transaction';

describe('inlineParameters', () => {
  it('writes each placeholder as its parameter, $10 as the tenth, not the first and a 0', () => {
    const parameters = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
    expect(inlineParameters('SELECT $1, $10, $2::text', parameters)).toBe(`SELECT 'a', 'j', 'b'::text`);
  });

  it('does not read placeholders in the text a parameter brought in', () => {
    expect(inlineParameters('SELECT $1, $2', ['$2', 'x'])).toBe(`SELECT '$2', 'x'`);
  });

  it('writes null and undefined as NULL, other values as pg sends them', () => {
    const when = new Date('2026-11-30T21:00:00.123Z');
    expect(inlineParameters('$1 $2 $3 $4 $5 $6', [null, undefined, 42, true, when, { a: "it's" }])).toBe(
      `NULL NULL '42' 'true' '2026-11-30T21:00:00.123Z' '{"a":"it''s"}'`,
    );
  });

  it('writes arrays as array literals, quoting every element and keeping NULL', () => {
    expect(inlineParameters('$1', [['a', 'b"c', null, 'd,e}']])).toBe(` E'{"a","b\\\\"c",NULL,"d,e}"}'`);
  });

  it('writes bytes as bytea hex', () => {
    expect(inlineParameters('$1', [Buffer.from([0, 255])])).toBe(` E'\\\\x00ff'`);
  });

  it('refuses a placeholder without a parameter', () => {
    expect(() => inlineParameters('SELECT $1, $2', ['a'])).toThrow('$2 has no parameter (1 given)');
  });
});

describe('quoteLiteral', () => {
  it('doubles quotes', () => {
    expect(quoteLiteral(`O'Brien`)).toBe(`'O''Brien'`);
  });

  it('writes text with backslashes as an escape string with them doubled', () => {
    expect(quoteLiteral(`a\\'b`)).toBe(` E'a\\\\''b'`);
  });
});
