export * from './in-process.transport';
