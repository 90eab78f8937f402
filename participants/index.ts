export * from './example-participants';
export * from './migrations/0201-example-ledger.migration';
export { TEST_TOKENS } from './payment.participant';
export { UNSERVED_COUNTRIES } from './shipping.participant';
