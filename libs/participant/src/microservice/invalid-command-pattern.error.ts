/**
 * A `@MessagePattern` or `@EventPattern` handler that BatonServer cannot run
 * as a command handler; `listen` fails with it, naming the pattern and the
 * fix.
 */
export class InvalidCommandPatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidCommandPatternError';
  }
}
