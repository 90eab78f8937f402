/** Two methods claim the same command type; a command must have exactly one handler. */
export class DuplicateCommandHandlerError extends Error {
  constructor(commandType: string, first: string, second: string) {
    super(`Command ${commandType} has two handlers, ${first} and ${second}; keep one.`);
    this.name = 'DuplicateCommandHandlerError';
  }
}
