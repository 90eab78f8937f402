import { isFolded, withoutStringConstants } from './tracing.bootstrap';

describe('the pg spans of folded statements', () => {
  it('show no value written in as a literal', () => {
    // As inlineParameters writes `it's secret`, `C:\card\4111`, ['a"b', 'c'] and {"pan":"4111 '1111'"}.
    const folded = `START TRANSACTION;\nSELECT 'it''s secret'::text,  E'C:\\\\card\\\\4111'::text,  E'{"a\\\\"b","c"}'::text[], '{"pan":"4111 ''1111''"}'::jsonb`;
    expect(isFolded(folded)).toBe(true);
    const shown = withoutStringConstants(folded);
    expect(shown).toBe(`START TRANSACTION;\nSELECT ?::text,  ?::text,  ?::text[], ?::jsonb`);
    for (const secret of ['secret', '4111', 'a"b']) expect(shown).not.toContain(secret);
  });

  it('leave statements with bound parameters as they are', () => {
    expect(isFolded(`SELECT $1::text`)).toBe(false);
    expect(isFolded(`WITH saga_rows AS (UPDATE baton_saga SET x = 1);\nCOMMIT`)).toBe(true);
  });
});
