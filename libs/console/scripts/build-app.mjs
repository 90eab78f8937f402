// Builds the console's page into dist/app: app/index.html as is, app/main.tsx
// and everything it imports (Preact included) bundled into one console.js,
// its CSS into console.css. No CDN, nothing fetched at run time.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'app');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(root, 'app', 'main.tsx')],
  bundle: true,
  outfile: join(out, 'console.js'),
  format: 'iife',
  platform: 'browser',
  target: ['chrome110', 'firefox110', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  legalComments: 'linked',
  logLevel: 'warning',
  tsconfig: join(root, 'app', 'tsconfig.json'),
});
copyFileSync(join(root, 'app', 'index.html'), join(out, 'index.html'));
