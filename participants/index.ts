export * from './example-participants.module';
export * from './example-settings';
export * from './inventory.participant';
export * from './migrations/0201-example-ledger.migration';
export * from './notification.participant';
export * from './payment.participant';
export * from './shipping.participant';
