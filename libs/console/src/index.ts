// The public API of @baton/console: the module that serves the console, and its options.

/** Serves the Baton console in a NestJS app that imports SagaModule. */
export { BatonConsoleModule } from './console.module';
/** How the console is served: its path, where the API is, a trace viewer's URL. */
export type { BatonConsoleOptions } from './console.options';
