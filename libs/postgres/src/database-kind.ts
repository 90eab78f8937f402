import type { DataSource } from 'typeorm';

export type DatabaseKind = 'postgres' | 'pglite';

/** Which database `dataSource` opens: PGlite's has a driver of its own, PostgreSQL's is TypeORM's `pg`. */
export function databaseKind(dataSource: DataSource): DatabaseKind {
  return (dataSource.options as { driver?: unknown }).driver ? 'pglite' : 'postgres';
}
