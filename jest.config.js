/**
 * One Jest run covers everything: unit tests next to the code (libs, sagas),
 * and end-to-end tests in test/ against PGlite and the machine's PostgreSQL.
 * SWC compiles TypeScript (with decorator metadata, which NestJS needs).
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/libs', '<rootDir>/contracts', '<rootDir>/sagas', '<rootDir>/participants', '<rootDir>/src', '<rootDir>/test'],
  testRegex: '\\.(spec|e2e-spec)\\.ts$',
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  moduleNameMapper: {
    '^@baton/core$': '<rootDir>/libs/core/src',
    '^@baton/postgres$': '<rootDir>/libs/postgres/src',
    '^@baton/participant$': '<rootDir>/libs/participant/src',
    '^@baton/tracing$': '<rootDir>/libs/tracing/src',
    '^@baton/testing$': '<rootDir>/libs/testing/src',
    '^@baton/kafka$': '<rootDir>/libs/kafka/src',
    '^@baton/nest$': '<rootDir>/libs/nest/src',
    '^@baton/cli$': '<rootDir>/libs/cli/src',
    '^@baton/console$': '<rootDir>/libs/console/src',
    '^@example/order-fulfillment-contracts$': '<rootDir>/contracts/order-fulfillment/src',
    '^@example/sagas$': '<rootDir>/sagas',
    '^@example/participants$': '<rootDir>/participants',
  },
  // Builds the host once and makes sure a Kafka broker runs (see test/support/global-setup.ts).
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 180_000,
};
