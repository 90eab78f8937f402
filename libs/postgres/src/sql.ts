import type { EntityManager } from 'typeorm';

export interface SqlResult<Row> {
  rows: Row[];
  rowCount: number;
}

/**
 * Runs one written-out statement on the transaction behind `manager` and
 * returns its rows and affected count the same way for every statement kind
 * (TypeORM's plain `query` changes shape for UPDATE and DELETE).
 */
export async function sql<Row = Record<string, any>>(
  manager: EntityManager,
  text: string,
  params: unknown[] = [],
): Promise<SqlResult<Row>> {
  const runner = manager.queryRunner;
  if (runner) {
    const result = await runner.query(text, params, true);
    return { rows: (result.records ?? []) as Row[], rowCount: result.affected ?? 0 };
  }
  const own = manager.connection.createQueryRunner();
  try {
    const result = await own.query(text, params, true);
    return { rows: (result.records ?? []) as Row[], rowCount: result.affected ?? 0 };
  } finally {
    await own.release();
  }
}

const RETRYABLE = new Set(['40001', '40P01']); // serialization failure, deadlock detected

/**
 * Runs `work` in a transaction, again from the start when Postgres aborted it
 * to resolve a conflict with another transaction (safe: nothing was committed).
 */
export async function inTransaction<T>(
  manager: EntityManager,
  work: (tx: EntityManager) => Promise<T>,
  attempts = 5,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await manager.transaction(work);
    } catch (error) {
      const code = (error as { code?: string; driverError?: { code?: string } }).driverError?.code ?? (error as { code?: string }).code;
      if (attempt >= attempts || !code || !RETRYABLE.has(code)) throw error;
    }
  }
}
