export * from './saga-test-harness';
