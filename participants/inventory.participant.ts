import { Injectable } from '@nestjs/common';
import { CommandFailed, type PayloadOf } from '@baton/core';
import { HandleCommand, TransientCommandError, reply, type CommandContext } from '@baton/participant';
import { sql } from '@baton/postgres';
import { ReleaseStock, ReserveStock, StockRefused, StockReleased, StockReserved } from '@baton/sagas';
import { ExampleSettings } from './example-settings';
import { recordEffect } from './ledger';

/**
 * Inventory: reserves and releases stock. SKUs with a prefix misbehave on purpose:
 * - "OOS-": out of stock, the reservation is refused;
 * - "FLAKY-": the warehouse system is down on the first attempt of each
 *   reservation (a transient failure: the saga retries, same command id);
 * - "STUCK-": the first release of the order is refused for good (the saga's
 *   compensation fails and waits for an operator; a retry then succeeds).
 */
@Injectable()
export class InventoryParticipant {
  /** Reservation commands seen once, for the FLAKY- SKUs (kept in memory: a restart flakes again). */
  private readonly attempted = new Set<string>();

  constructor(private readonly settings: ExampleSettings) {}

  @HandleCommand(ReserveStock)
  async reserve({ orderId, items }: PayloadOf<typeof ReserveStock>, context: CommandContext) {
    if (items.some((item) => item.sku.startsWith('FLAKY-')) && !this.attempted.has(context.envelope.messageId)) {
      this.attempted.add(context.envelope.messageId);
      throw new TransientCommandError('the warehouse system did not answer (simulated)');
    }
    const missing = items.find((item) => item.sku.startsWith('OOS-'));
    if (missing || this.settings.unlucky()) {
      const reason = missing ? `SKU ${missing.sku} is out of stock` : 'inventory refused (simulated failure)';
      recordEffect(context, orderId, 'refused', { reason });
      return reply(StockRefused, { reason });
    }
    const reservationId = `res-${context.envelope.messageId}`;
    recordEffect(context, orderId, 'reserved', { reservationId, items });
    return reply(StockReserved, { reservationId });
  }

  @HandleCommand(ReleaseStock)
  async release({ orderId }: PayloadOf<typeof ReleaseStock>, context: CommandContext) {
    if (await this.firstReleaseOfStuckOrder(orderId, context)) {
      recordEffect(context, orderId, 'release-refused');
      return reply(CommandFailed, { command: 'ReleaseStock', reason: 'the reservation is locked by a stock count', transient: false });
    }
    recordEffect(context, orderId, 'released');
    return reply(StockReleased, { released: true });
  }

  private async firstReleaseOfStuckOrder(orderId: string, context: CommandContext): Promise<boolean> {
    const { rows } = await sql<{ stuck: boolean; refused: boolean }>(
      context.tx,
      `SELECT bool_or(details::text LIKE '%STUCK-%') FILTER (WHERE command_type = 'ReserveStock') AS stuck,
              bool_or(outcome = 'release-refused') AS refused
         FROM example_ledger WHERE order_id = $1 AND participant = $2`,
      [orderId, context.participant],
    );
    return !!rows[0]?.stuck && !rows[0]?.refused;
  }
}
