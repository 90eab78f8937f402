// The public API of @baton/testing.

// --- Testing sagas ----------------------------------------------------------
export { SagaTestHarness } from './saga-test-harness';
