import { WriteStatement } from '../write-statement';
import { AppendedRows } from './appended-rows';

describe('AppendedRows', () => {
  it('writes one INSERT per table, of every column its rows name, in the statement it is added to', () => {
    const rows = new AppendedRows();
    rows.add('ledger', { order_id: 'o-1', outcome: 'reserved' });
    rows.add('audit.trail', { what: 'reserve' });
    rows.add('ledger', { order_id: 'o-2', details: { n: 1 } });
    const statement = new WriteStatement();
    rows.addTo(statement);
    const { text, values: params } = statement.query;
    expect(text.match(/INSERT INTO/g)).toHaveLength(2);
    expect(text).toContain(
      `INSERT INTO "ledger" ("order_id", "outcome", "details") SELECT "order_id", "outcome", "details" FROM jsonb_populate_recordset(NULL::"ledger", $1::jsonb)`,
    );
    expect(text).toContain(`INSERT INTO "audit"."trail" ("what")`);
    expect(JSON.parse(params[0] as string)).toEqual([{ order_id: 'o-1', outcome: 'reserved' }, { order_id: 'o-2', details: { n: 1 } }]);
    expect(JSON.parse(params[1] as string)).toEqual([{ what: 'reserve' }]);
  });

  it('hands its rows over: a second statement does not write them again', () => {
    const rows = new AppendedRows();
    rows.add('ledger', { order_id: 'o-1' });
    rows.addTo(new WriteStatement());
    const next = new WriteStatement();
    rows.addTo(next);
    expect(next.empty).toBe(true);
  });

  it.each([
    ['a table that is not a plain identifier', 'ledger; DROP TABLE x', { a: 1 }, 'table "ledger; DROP TABLE x" is not a plain SQL identifier'],
    ['a table with more than a schema', 'a.b.c', { a: 1 }, 'table "a.b.c"'],
    ['a column that is not a plain identifier', 'ledger', { 'a"b': 1 }, 'column of ledger "a"b"'],
    ['a row without columns', 'ledger', {}, 'the row for ledger has no columns'],
  ])('refuses %s at once', (_, table, row, message) => {
    expect(() => new AppendedRows().add(table, row)).toThrow(`CommandContext.append: ${message}`);
  });
});
