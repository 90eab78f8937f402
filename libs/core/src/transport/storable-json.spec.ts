import { MAX_JSON_DEPTH, findUnstorable, storableText, unstorableText } from './storable-json';

/** Every string the rule must refuse, one per class: NUL anywhere, lone high and low surrogates, reversed pairs. */
function refusedStrings(): string[] {
  const strings = ['\u0000', 'a\u0000', '\u0000b', 'a\u0000b'];
  for (const code of [0xd800, 0xdbff, 0xdc00, 0xdfff, 0xdabc]) {
    const lone = String.fromCharCode(code);
    strings.push(lone, `a${lone}`, `${lone}b`, `a${lone}b`);
  }
  strings.push('\udc00\ud800', 'ok\ud83d', '\ude00ok');
  return strings;
}

/** Strings the rule must keep: every other control character, BOMs, paired surrogates (emoji), noncharacters, 1 MB. */
function acceptedStrings(): string[] {
  const strings: string[] = [];
  for (let code = 1; code < 0x20; code++) strings.push(`x${String.fromCharCode(code)}y`);
  strings.push('\u007f', '\u0085', '\ufeff', '\ufeffleading BOM', '\ud83d\ude00', 'a\ud83d\ude00b', '\ufffe\uffff', '\ufffd');
  strings.push('é'.repeat(512 * 1024), '');
  return strings;
}

describe('storable JSON', () => {
  it.each(refusedStrings().map((s) => [JSON.stringify(s), s]))('refuses %s, naming where', (_name, text) => {
    expect(unstorableText(text)).toMatch(/U\+0000|unpaired surrogate/);
    expect(findUnstorable({ order: { lines: [{ sku: text }] } })).toEqual({ path: '/order/lines/0/sku', problem: expect.any(String) });
    expect(findUnstorable({ [`k${text}`]: 1 })?.problem).toMatch(/^its key contains/);
    expect(unstorableText(storableText(text))).toBeUndefined();
  });

  it.each(acceptedStrings().map((s) => [JSON.stringify(s).slice(0, 40), s]))('accepts %s unchanged', (_name, text) => {
    expect(unstorableText(text)).toBeUndefined();
    expect(findUnstorable({ a: [text], [text]: text })).toBeUndefined();
    expect(storableText(text)).toBe(text);
  });

  it('escapes keys in the JSON pointer it reports', () => {
    expect(findUnstorable({ 'a/b': { 'c~d': '\u0000' } })?.path).toBe('/a~1b/c~0d');
    expect(findUnstorable('\u0000')?.path).toBe('');
  });

  it('refuses nesting deeper than the limit without walking it all, and accepts the limit itself', () => {
    const nest = (levels: number) => {
      let value: unknown = 'leaf';
      for (let i = 0; i < levels; i++) value = i % 2 ? { k: value } : [value];
      return value;
    };
    expect(findUnstorable(nest(MAX_JSON_DEPTH))).toBeUndefined();
    expect(findUnstorable(nest(MAX_JSON_DEPTH + 1))?.problem).toBe(`nests deeper than ${MAX_JSON_DEPTH} levels`);
    // A hundred thousand levels (JSON.parse builds it): refused at the limit, no stack overflow.
    const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000));
    expect(findUnstorable(deep)?.problem).toMatch(/nests deeper/);
  });

  it('accepts numbers, booleans, null and empty containers', () => {
    expect(findUnstorable({ n: 1.5e300, b: false, z: null, a: [], o: {} })).toBeUndefined();
  });
});
