import { isUuid, uuidv7 } from './uuid-v7';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The Unix milliseconds in an id's first 48 bits. */
const millisecondsOf = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);

/**
 * The generator keeps its last millisecond and counter in module state; tests
 * that pin the clock get a module of their own so they cannot disturb others.
 */
async function freshGenerator() {
  jest.resetModules();
  return (await import('./uuid-v7')).uuidv7;
}

const inGenerationOrder = (ids: string[]) => expect([...ids].sort()).toEqual(ids);

describe('A uuidv7', () => {
  it('is a lowercase RFC 9562 uuid with version 7 and the 10xx variant', () => {
    for (let i = 0; i < 100; i++) {
      const id = uuidv7();
      expect(id).toMatch(UUID_V7);
      expect(id[14]).toBe('7');
      expect(['8', '9', 'a', 'b']).toContain(id[19]);
    }
  });

  it('carries the millisecond it was made in its first 48 bits', async () => {
    const generate = await freshGenerator();
    const at = Date.UTC(2031, 4, 17, 8, 30, 15, 123);

    expect(millisecondsOf(generate(at))).toBe(at);
  });

  it('sorts in generation order for 10,000 ids made in a tight loop', () => {
    const ids: string[] = [];
    for (let i = 0; i < 10_000; i++) ids.push(uuidv7());

    inGenerationOrder(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keeps increasing past 4,096 ids in one millisecond, by borrowing the next millisecond', async () => {
    const generate = await freshGenerator();
    const at = Date.UTC(2031, 0, 1);
    const ids = Array.from({ length: 5_000 }, () => generate(at));

    inGenerationOrder(ids);
    expect(millisecondsOf(ids[0])).toBe(at);
    expect(millisecondsOf(ids[ids.length - 1])).toBe(at + 1);
  });

  it('keeps increasing when the clock goes backwards', async () => {
    const generate = await freshGenerator();
    const at = Date.UTC(2031, 0, 1);
    const ids = [generate(at), generate(at - 5_000), generate(at - 1)];

    inGenerationOrder(ids);
    expect(ids.map(millisecondsOf)).toEqual([at, at, at]);
  });

  it('sorts ids made in a later millisecond after those of an earlier one', async () => {
    const generate = await freshGenerator();
    const at = Date.UTC(2031, 0, 1);

    inGenerationOrder([generate(at), generate(at), generate(at + 1), generate(at + 60_000)]);
  });
});

describe('isUuid', () => {
  it.each([
    uuidv7(),
    '00000000-0000-0000-0000-000000000000',
    '01890A5D-AC96-774B-BCCE-B302099A8057',
    '550e8400-e29b-41d4-a716-446655440000',
  ])('accepts %s', (value) => {
    expect(isUuid(value)).toBe(true);
  });

  it.each([
    '',
    'not-a-uuid',
    '01890a5dac96774bbcceb302099a8057',
    '01890a5d-ac96-774b-bcce-b302099a805',
    '01890a5d-ac96-774b-bcce-b302099a80577',
    '01890a5d-ac96-774b-bcce-b302099a805g',
    ' 01890a5d-ac96-774b-bcce-b302099a8057',
    '{01890a5d-ac96-774b-bcce-b302099a8057}',
  ])('rejects "%s"', (value) => {
    expect(isUuid(value)).toBe(false);
  });
});
