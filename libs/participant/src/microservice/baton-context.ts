import { BaseRpcContext } from '@nestjs/microservices';
import type { EntityManager } from 'typeorm';
import type { MessageEnvelope } from '@baton/core';
import type { CommandContext, CompensatedCommand } from '../command-handler';

/**
 * What a BatonServer's `@MessagePattern` handler gets with `@Ctx()` (Nest
 * passes a handler without parameter decorators the payload alone): the
 * command's CommandContext (the transaction to work in, the envelope,
 * `append`, `compensates`), so code written for `@HandleCommand`'s context
 * works unchanged, and the same through Nest-style getters.
 *
 * ```ts
 * @MessagePattern(ReserveStock)
 * async reserve(@Payload() command: PayloadOf<typeof ReserveStock>, @Ctx() ctx: BatonContext) {
 *   await ctx.tx.query('UPDATE stock SET reserved = reserved + 1 WHERE sku = $1', [command.items[0].sku]);
 *   return reply(StockReserved, { reservationId: `res-${ctx.getEnvelope().messageId}` });
 * }
 * ```
 */
export class BatonContext extends BaseRpcContext<[CommandContext]> implements CommandContext {
  readonly tx: EntityManager;
  readonly envelope: MessageEnvelope;
  readonly participant: string;
  readonly compensates?: CompensatedCommand;
  /** See CommandContext.append; bound, so it may be destructured. */
  readonly append: (table: string, row: Record<string, unknown>) => void;

  constructor(context: CommandContext) {
    super([context]);
    this.tx = context.tx;
    this.envelope = context.envelope;
    this.participant = context.participant;
    if (context.compensates) this.compensates = context.compensates;
    this.append = (table, row) => context.append(table, row);
  }

  /** The command as it arrived: its headers (message id, saga id, `compensates`, ...) and its payload before validation. */
  getEnvelope(): MessageEnvelope {
    return this.envelope;
  }

  /** The transaction that also records the command in the inbox and its reply in the outbox: do the handler's work in it. */
  getTransaction(): EntityManager {
    return this.tx;
  }

  /** The participant handling the command (its contract's `participant`). */
  getParticipant(): string {
    return this.participant;
  }

  /** On a compensation: the command it undoes, and whether it took effect here. Undefined otherwise. */
  getCompensates(): CompensatedCommand | undefined {
    return this.compensates;
  }
}
