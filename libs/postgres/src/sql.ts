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

/** Postgres's error fields, on the error itself or, from TypeORM, on its driverError. */
function postgresError(error: unknown): { code?: string; constraint?: string } {
  const { driverError } = error as { driverError?: { code?: string; constraint?: string } };
  return driverError ?? (error as { code?: string; constraint?: string });
}

/** Whether `error` is a unique violation of `constraint`. */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  const { code, constraint: violated } = postgresError(error);
  return code === '23505' && violated === constraint;
}

/**
 * Runs `work` in a transaction, again from the start when Postgres aborted it
 * to resolve a conflict with another transaction (safe: nothing was
 * committed), or when `retryOn` says the error was such a conflict.
 */
export async function inTransaction<T>(
  manager: EntityManager,
  work: (tx: EntityManager) => Promise<T>,
  options: { attempts?: number; retryOn?: (error: unknown) => boolean } = {},
): Promise<T> {
  const attempts = options.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    try {
      return await manager.transaction(work);
    } catch (error) {
      const { code } = postgresError(error);
      const conflict = (!!code && RETRYABLE.has(code)) || !!options.retryOn?.(error);
      if (attempt >= attempts || !conflict) throw error;
    }
  }
}
