import type { BatonCommand, CommandIo } from './command';
import { UsageError } from './command';
import { contractsCommand } from './contracts/contracts-command';
import { graphCommand } from './graph/graph.command';
import { lintCommand } from './lint/lint.command';

/** Every `baton` command. */
const COMMANDS: readonly BatonCommand[] = [lintCommand, graphCommand, contractsCommand];

function help(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length), 4);
  return [
    'Usage: baton <command> [options]',
    '',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    `  ${'help'.padEnd(width)}  This text, or a command's usage: baton help <command>`,
    '',
  ].join('\n');
}

/**
 * Runs `baton <command> [args]`; answers the exit code: 0 fine, 1 the
 * command found problems, 2 a wrong call (with the usage on stderr).
 */
export async function main(argv: string[], io: CommandIo): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    const command = COMMANDS.find((c) => c.name === args[0]);
    io.out(command ? `${command.usage}\n` : help());
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`baton: unknown command "${name}".\n\n${help()}`);
    return 2;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`baton ${name}: ${error.message}\n\n${command.usage}\n`);
    return 2;
  }
}
