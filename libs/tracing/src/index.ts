export * from './saga-tracing';
