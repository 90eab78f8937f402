/** Where a command writes, and the directory it runs in. */
export interface CommandIo {
  /** Standard output: the command's result. */
  out(text: string): void;
  /** Standard error: progress and problems. */
  err(text: string): void;
  /** The directory paths are relative to. */
  cwd: string;
}

/** One `baton <name>` command. */
export interface BatonCommand {
  readonly name: string;
  /** One line for `baton help`. */
  readonly summary: string;
  /** Its usage, for `baton help <name>` and a wrong call. */
  readonly usage: string;
  /** Runs it on its arguments (after the name); answers the exit code: 0 fine, 1 findings, 2 a wrong call. */
  run(args: string[], io: CommandIo): Promise<number>;
}

/** A call the command cannot take (unknown option, missing argument): exit code 2 with the usage. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
