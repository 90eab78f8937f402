// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

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
  {
    // libs/core knows nothing of NestJS, Postgres or Kafka (docs/architecture.md, "Parts").
    files: ['libs/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['@nestjs/*', 'typeorm', 'pg', 'kafkajs', '@electric-sql/*', '@baton/*'] },
      ],
    },
  },
);
