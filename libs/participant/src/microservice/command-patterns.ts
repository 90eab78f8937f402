import type { MessageHandler } from '@nestjs/microservices';
import type { CommandContract } from '@baton/core';
import { DuplicateCommandHandlerError } from '../nest/duplicate-command-handler.error';
import { InvalidCommandPatternError } from './invalid-command-pattern.error';

/** A handler Nest gave a BatonServer (ListenersController → addHandler), as it gave it. */
interface Registration {
  readonly pattern: unknown;
  readonly handler: MessageHandler;
  readonly isEventHandler: boolean;
}

/** A `@MessagePattern` handler of one command, its pattern resolved to the command's contract. */
export interface CommandPatternHandler {
  readonly command: CommandContract;
  readonly handler: MessageHandler;
}

/** Whether `pattern` is a command contract (`command(...)` of @baton/core), as `@MessagePattern(ReserveStock)` passes it. */
export function isCommandContract(pattern: unknown): pattern is CommandContract {
  if (typeof pattern !== 'object' || pattern === null) return false;
  const { kind, type, participant, schema } = pattern as Partial<CommandContract>;
  return kind === 'command' && typeof type === 'string' && typeof participant === 'string' && typeof schema === 'object';
}

/**
 * The patterns of a BatonServer's handlers: each is a command's contract, or
 * its type with the contract among the server's `commands`. Collected as
 * Nest registers them, checked when the server starts listening (`resolve`):
 * whatever cannot run as a command handler fails `listen` with an error
 * naming the pattern and the fix.
 */
export class CommandPatterns {
  private readonly registered: Registration[] = [];
  private readonly known: Map<string, CommandContract>;

  constructor(commands: readonly CommandContract[]) {
    this.known = new Map(commands.map((contract) => [contract.type, contract]));
  }

  /** Keeps a handler Nest registers, to check with the others in `resolve`. */
  add(pattern: unknown, handler: MessageHandler, isEventHandler: boolean): void {
    this.registered.push({ pattern, handler, isEventHandler });
  }

  /** One handler per command type, each with its contract; throws InvalidCommandPatternError or DuplicateCommandHandlerError. */
  resolve(): CommandPatternHandler[] {
    const where = new Map<string, string>();
    return this.registered.map(({ pattern, handler, isEventHandler }) => {
      const decorator = `@${isEventHandler ? 'EventPattern' : 'MessagePattern'}(${describe(pattern)})`;
      if (isEventHandler) {
        throw new InvalidCommandPatternError(
          `${decorator} cannot handle a Baton command: commands are request/reply. ` +
            `Use @MessagePattern(${describe(pattern)}); a command the saga does not wait on (fire and forget) is a @MessagePattern handler that returns nothing.`,
        );
      }
      const command = this.commandOf(pattern, decorator);
      const previous = where.get(command.type);
      // Nest names no method to its server: the patterns say what they can.
      if (previous) throw new DuplicateCommandHandlerError(command.type, `one ${previous}`, `another ${decorator}`);
      where.set(command.type, decorator);
      return { command, handler };
    });
  }

  private commandOf(pattern: unknown, decorator: string): CommandContract {
    if (isCommandContract(pattern)) return pattern;
    if (typeof pattern === 'string') {
      const known = this.known.get(pattern);
      if (known) return known;
      throw new InvalidCommandPatternError(
        `${decorator} names a command BatonServer has no contract for, so it cannot validate its payload: ` +
          `pass the contract itself (@MessagePattern(${pattern}), imported from the saga's contracts), or list it in BatonServer's \`commands\` option.`,
      );
    }
    const kind = (pattern as { kind?: unknown } | null)?.kind;
    throw new InvalidCommandPatternError(
      kind === 'event'
        ? `${decorator} names an event contract (a reply or event a participant sends), not a command: BatonServer runs command handlers only.`
        : `${decorator} is not a Baton command: BatonServer takes a command contract (@MessagePattern(ReserveStock)) or its type ` +
            `(@MessagePattern('ReserveStock'), with the contract in \`commands\`). A handler meant for another transport of the app ` +
            `is pinned to it: @MessagePattern(pattern, Transport.TCP).`,
    );
  }
}

/** A pattern as a decorator's argument reads: a contract by its name, a string quoted, anything else as JSON. */
function describe(pattern: unknown): string {
  const { kind, type } = (typeof pattern === 'object' && pattern !== null ? pattern : {}) as { kind?: unknown; type?: unknown };
  if (kind !== undefined && typeof type === 'string') return type;
  if (typeof pattern === 'string') return `'${pattern}'`;
  try {
    return JSON.stringify(pattern) ?? String(pattern);
  } catch {
    return String(pattern);
  }
}
