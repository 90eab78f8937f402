/**
 * `pg` and `@electric-sql/pglite` are optional peers of @baton/postgres: an
 * app on PostgreSQL needs no PGlite, an app on PGlite no `pg`. They are
 * loaded when first used, never when the package is imported, and a missing
 * one is named with the command that installs it.
 */
export async function loadOptionalPeer<T>(load: () => Promise<T>, name: string, usedFor: string): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if ((error as { code?: unknown }).code === 'MODULE_NOT_FOUND' && String((error as Error).message).includes(`'${name}'`)) {
      throw new Error(`${usedFor} needs the package ${name}, which is not installed: npm install ${name}`, { cause: error });
    }
    throw error;
  }
}
