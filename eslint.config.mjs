// @ts-check
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

const ROOT = dirname(fileURLToPath(import.meta.url));

/**
 * The packages in libs/, read from their package.json files when ESLint
 * loads this config, so the import boundaries below follow the manifests.
 */
const PACKAGES = readdirSync(join(ROOT, 'libs'))
  .filter((dir) => existsSync(join(ROOT, 'libs', dir, 'package.json')))
  .map((dir) => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'libs', dir, 'package.json'), 'utf8'));
    const declared = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies });
    return { dir, name: manifest.name, batonDependencies: declared.filter((name) => name.startsWith('@baton/')) };
  });

/** A package is imported by its name alone: `@baton/core`, never `@baton/core/src/...` (only "." is exported). */
const NO_DEEP_BATON_IMPORTS = {
  group: ['@baton/*/**'],
  message: 'Import a Baton package by its name only (its index is its whole public API); no deep imports.',
};

/** Applications import the packages by name, never their files. */
const NO_RELATIVE_IMPORTS_INTO_LIBS = {
  group: ['**/libs/**'],
  message: 'Import the package by its name (@baton/<name>), not a file under libs/.',
};

/** libs/core knows nothing of NestJS, Postgres or Kafka (docs/architecture.md, "Parts"). */
const CORE_KNOWS_NO_FRAMEWORK = {
  group: ['@nestjs/*', 'typeorm', 'pg', 'kafkajs', '@electric-sql/*'],
  message: '@baton/core knows nothing of NestJS, Postgres or Kafka.',
};

/** Reports a relative import that leaves the package the file belongs to (libs/<name>/). */
const noRelativeImportOutsidePackage = {
  meta: {
    type: 'problem',
    docs: { description: 'A file of libs/<name> imports only files of libs/<name> by relative path; other packages by name.' },
    schema: [],
    messages: {
      outside: '"{{specifier}}" leaves {{pkg}}/: import another package by its name (@baton/<name>), from its index.',
    },
  },
  /** @param {import('eslint').Rule.RuleContext} context */
  create(context) {
    const file = relative(ROOT, context.filename).split(sep);
    if (file[0] !== 'libs' || file.length < 3) return {};
    const pkg = join(ROOT, 'libs', file[1]);
    /** @param {any} source */
    const check = (source) => {
      if (!source || source.type !== 'Literal' || typeof source.value !== 'string' || !source.value.startsWith('.')) return;
      const target = resolve(dirname(context.filename), source.value);
      if (target !== pkg && !target.startsWith(pkg + sep)) {
        context.report({ node: source, messageId: 'outside', data: { specifier: source.value, pkg: `libs/${file[1]}` } });
      }
    };
    return {
      ImportDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
      /** @param {any} node */
      TSExternalModuleReference: (node) => check(node.expression),
      CallExpression: (node) => {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require') check(node.arguments[0]);
      },
    };
  },
};

/**
 * Per package: no deep imports of a Baton package, no Baton package its
 * package.json does not list (itself included), no relative import out of
 * libs/<name>/; and for libs/core, no framework either.
 */
const packageBoundaries = PACKAGES.map(({ dir, name, batonDependencies }) => ({
  files: [`libs/${dir}/**/*.ts`],
  rules: {
    'baton/no-relative-import-outside-package': 'error',
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          ...(dir === 'core' ? [CORE_KNOWS_NO_FRAMEWORK] : []),
          NO_DEEP_BATON_IMPORTS,
          {
            group: ['@baton/*', ...batonDependencies.map((dependency) => `!${dependency}`)],
            message: `libs/${dir}/package.json does not list this package in dependencies or peerDependencies (${name} may use ${batonDependencies.join(', ') || 'no other Baton package'}).`,
          },
        ],
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ['dist/', 'libs/*/dist/', 'contracts/*/dist/', 'node_modules/', 'coverage/', '.data/', '.kafka/', 'bench-results/', '*.js'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // XState's generics and message payloads of unknown shape need `any` at a few seams.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  { plugins: { baton: { rules: { 'no-relative-import-outside-package': noRelativeImportOutsidePackage } } } },
  ...packageBoundaries,
  {
    // The application, its sagas, participants, contracts and benchmarks use the packages as a user would.
    // test/ may read internals (white-box tests).
    files: ['src/**/*.ts', 'sagas/**/*.ts', 'participants/**/*.ts', 'bench/**/*.ts', 'contracts/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [NO_RELATIVE_IMPORTS_INTO_LIBS, NO_DEEP_BATON_IMPORTS] }],
    },
  },
  {
    // The stock payment service shows a participant that speaks the wire protocol with no Baton code (docs/wire-protocol.md).
    files: ['participants/stock-payment-service/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@baton/*', '@example/*', '**/src/**', '**/libs/**', '../*'],
              message: 'The stock payment service uses no Baton code: only @nestjs/*, kafkajs, pg and its own files.',
            },
          ],
        },
      ],
    },
  },
  {
    // A package's command (bin/): plain CommonJS run by Node.
    files: ['libs/*/bin/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', process: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
