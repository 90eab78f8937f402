import type { EntityManager } from 'typeorm';
import { sql } from './sql';

/**
 * Several writes as one statement: each a data-modifying CTE, all sent in
 * one round trip and applied together. Postgres runs every CTE of the
 * statement to completion, whether the final SELECT reads it or not.
 */
export class WriteStatement {
  private readonly parts: string[] = [];
  private readonly params: unknown[] = [];
  private readonly selected: string[] = [];

  /** A parameter's placeholder. */
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  /** Adds `query` as the CTE `name`. */
  with(name: string, query: string): this {
    this.parts.push(`${name} AS (${query})`);
    return this;
  }

  /** Adds an output column of the final SELECT (`expression AS alias`). */
  select(column: string): this {
    this.selected.push(column);
    return this;
  }

  get empty(): boolean {
    return !this.parts.length;
  }

  /** The statement's text and parameters, as `run` sends them. */
  get query(): { text: string; values: unknown[] } {
    const columns = this.selected.length ? this.selected.join(', ') : 'true AS written';
    return { text: `WITH ${this.parts.join(',\n')}\nSELECT ${columns}`, values: this.params };
  }

  /**
   * Runs it in the caller's transaction; answers the final SELECT's row.
   * `last`: the transaction's last statement, which carries its COMMIT in a
   * folded transaction (see sql()).
   */
  async run<Row extends Record<string, unknown>>(tx: EntityManager, options: { last?: boolean } = {}): Promise<Row> {
    const { text, values } = this.query;
    const { rows } = await sql<Row>(tx, text, values, { ...options, prepared: true });
    return rows[0];
  }
}
