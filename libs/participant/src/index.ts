export * from './command-handler';
export * from './migrations/0101-participant-schema.migration';
export * from './participant-runtime';
