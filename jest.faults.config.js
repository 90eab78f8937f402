const base = require('./jest.config');

/**
 * The fault-injection test (`npm run test:faults`), kept out of `npm test`:
 * files named *.fault-spec.ts, which jest.config.js's testRegex does not
 * match. It runs its own PostgreSQL cluster and Kafka broker, so its setup
 * only builds the host and the participants.
 * @type {import('jest').Config}
 */
module.exports = {
  ...base,
  roots: ['<rootDir>/test'],
  testRegex: '\\.fault-spec\\.ts$',
  globalSetup: '<rootDir>/test/faults/global-setup.ts',
  globalTeardown: undefined,
  testTimeout: 900_000,
  // A child, a broker or a socket left behind must not keep CI waiting.
  forceExit: true,
};
