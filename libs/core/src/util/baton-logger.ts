/** What Baton's background workers log through; NestJS's `Logger` satisfies it. */
export interface BatonLogger {
  log(message: string, ...meta: unknown[]): void;
  warn(message: string, ...meta: unknown[]): void;
  error(message: string, ...meta: unknown[]): void;
  /** Step-by-step detail; a logger without it (the console default) skips those lines. */
  debug?(message: string, ...meta: unknown[]): void;
}

/** Writes to the console; the default when no logger is given. */
export const consoleLogger: BatonLogger = {
  log: (message, ...meta) => console.log(message, ...meta),
  warn: (message, ...meta) => console.warn(message, ...meta),
  error: (message, ...meta) => console.error(message, ...meta),
};
