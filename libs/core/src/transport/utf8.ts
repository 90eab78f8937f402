import { isUtf8 } from 'node:buffer';

/**
 * Where `bytes` stop being UTF-8: the offset of the first byte of the first
 * ill-formed sequence, or undefined if there is none. Ill-formed are bytes
 * that start no sequence (80–BF alone, C0, C1, F5–FF), sequences cut short,
 * overlong forms, encoded surrogates (ED A0–BF ..) and code points above
 * U+10FFFF: the well-formed sequences are those of Unicode's table 3-7.
 */
export function invalidUtf8Offset(bytes: Uint8Array): number | undefined {
  if (isUtf8(bytes)) return undefined;
  let at = 0;
  while (at < bytes.length) {
    const lead = bytes[at];
    if (lead < 0x80) {
      at++;
      continue;
    }
    const sequence = SEQUENCES.find((each) => lead >= each.leadFrom && lead <= each.leadTo);
    if (!sequence || at + sequence.length > bytes.length) return at;
    // The second byte's range rules out overlong forms, surrogates and code points above U+10FFFF.
    const [secondFrom, secondTo] = sequence.second(lead);
    if (bytes[at + 1] < secondFrom || bytes[at + 1] > secondTo) return at;
    for (let next = at + 2; next < at + sequence.length; next++) {
      if (bytes[next] < 0x80 || bytes[next] > 0xbf) return at;
    }
    at += sequence.length;
  }
  return undefined;
}

const CONTINUATION: [number, number] = [0x80, 0xbf];

const SEQUENCES: Array<{ leadFrom: number; leadTo: number; length: number; second: (lead: number) => [number, number] }> = [
  { leadFrom: 0xc2, leadTo: 0xdf, length: 2, second: () => CONTINUATION },
  { leadFrom: 0xe0, leadTo: 0xef, length: 3, second: (lead) => (lead === 0xe0 ? [0xa0, 0xbf] : lead === 0xed ? [0x80, 0x9f] : CONTINUATION) },
  { leadFrom: 0xf0, leadTo: 0xf4, length: 4, second: (lead) => (lead === 0xf0 ? [0x90, 0xbf] : lead === 0xf4 ? [0x80, 0x8f] : CONTINUATION) },
];
