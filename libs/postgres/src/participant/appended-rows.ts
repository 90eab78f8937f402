import type { WriteStatement } from '../write-statement';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function quoted(name: string, what: string): string {
  const parts = name.split('.');
  if (parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part))) {
    throw new Error(`CommandContext.append: ${what} "${name}" is not a plain SQL identifier (letters, digits, underscores; a table may be schema.table).`);
  }
  return parts.map((part) => `"${part}"`).join('.');
}

/**
 * Rows the handlers of one batch append (CommandContext.append), written
 * together before the batch's transaction commits: one INSERT per table,
 * whatever the number of commands, in the statement that also writes the
 * batch's replies, or earlier, in the statement that records the fence of a
 * compensation (whose handler may read them). Column values go through JSON
 * and are converted to the table's column types by Postgres.
 */
export class AppendedRows {
  private readonly tables = new Map<string, { columns: Set<string>; rows: Array<Record<string, unknown>> }>();

  add(table: string, row: Record<string, unknown>): void {
    const target = quoted(table, 'table');
    const columns = Object.keys(row);
    if (!columns.length) throw new Error(`CommandContext.append: the row for ${table} has no columns.`);
    columns.forEach((column) => quoted(column, `column of ${table}`));
    const entry = this.tables.get(target) ?? { columns: new Set<string>(), rows: [] };
    columns.forEach((column) => entry.columns.add(column));
    entry.rows.push(row);
    this.tables.set(target, entry);
  }

  /** Adds one INSERT per table to `statement`, which from then on writes the rows (they are no longer held here). */
  addTo(statement: WriteStatement): void {
    [...this.tables].forEach(([table, { columns, rows }], i) => {
      const list = [...columns].map((column) => `"${column}"`).join(', ');
      // Only the columns given: the others take their defaults.
      statement.with(
        `appended_${i}`,
        `INSERT INTO ${table} (${list}) SELECT ${list} FROM jsonb_populate_recordset(NULL::${table}, ${statement.param(JSON.stringify(rows))}::jsonb)`,
      );
    });
    this.tables.clear();
  }
}
