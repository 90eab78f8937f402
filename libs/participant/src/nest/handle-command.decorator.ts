import { SetMetadata } from '@nestjs/common';
import type { CommandContract } from '@baton/core';

/** The metadata key under which `@HandleCommand` stores the command a method handles. */
export const HANDLE_COMMAND_METADATA = 'baton:handle-command';

/**
 * Marks a provider method as the handler of one command type, typed by the
 * saga's own contract. The method gets the validated payload and a
 * `CommandContext` (the transaction to work in) and returns a `reply(...)` or
 * nothing:
 *
 * ```ts
 * @HandleCommand(ReserveStock)
 * async reserve(command: PayloadOf<typeof ReserveStock>, { tx }: CommandContext) {
 *   ...
 *   return reply(StockReserved, { reservationId });
 * }
 * ```
 */
export const HandleCommand = (command: CommandContract): MethodDecorator => SetMetadata(HANDLE_COMMAND_METADATA, command);
