import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The files a built console holds; `npm run build:console` writes them. */
export const CONSOLE_FILES = ['index.html', 'console.js', 'console.css'] as const;

/** The package's own built console: dist/app next to its package.json, wherever the package is installed or linked. */
export function defaultAssetsDir(): string {
  return join(dirname(require.resolve('@baton/console/package.json')), 'dist', 'app');
}

/** The files of CONSOLE_FILES missing from `dir`: none when the console was built. */
export function missingAssets(dir: string): string[] {
  return CONSOLE_FILES.filter((file) => !existsSync(join(dir, file)));
}
