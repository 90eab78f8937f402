const base = require('./jest.config');

/**
 * `npm run test:unit`: every unit spec (*.spec.ts: one class or function,
 * the pure engine, the sagas through the test harness), without the global
 * set-up, so no build, no broker and no database: seconds, not minutes. A
 * single spec: `npm run test:unit -- libs/core/src/transport/storable-json`.
 * The end-to-end and fault suites stay in `npm test` and `npm run test:faults`.
 * @type {import('jest').Config}
 */
module.exports = {
  ...base,
  testRegex: '\\.spec\\.ts$',
  globalSetup: undefined,
  globalTeardown: undefined,
};
