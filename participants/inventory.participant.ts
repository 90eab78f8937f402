import { Injectable } from '@nestjs/common';
import type { PayloadOf } from '@baton/core';
import { HandleCommand, TransientCommandError, reply, type CommandContext } from '@baton/participant';
import { ReleaseStock, ReserveStock, StockRefused, StockReleased, StockReserved } from '@example/order-fulfillment-contracts';
import { ExampleSettings } from './example-settings';
import { recordEffect, standingEffects, undoing } from './ledger';

/** Failed attempts at releasing a "STUCK-" order before one succeeds. */
export const STUCK_RELEASE_FAILURES = 3;

/**
 * Inventory: reserves stock ('reserved' or 'refused' in the ledger) and
 * releases it ('released', or 'nothing-to-release' when the order holds no
 * reservation: a release always succeeds in the end). SKUs with a prefix
 * misbehave on purpose:
 * - "OOS-": out of stock, the reservation is refused;
 * - "FLAKY-": the warehouse system is down on the first attempt of each
 *   reservation (a transient failure: the saga retries, same command id);
 * - "STUCK-": the release of a reservation holding one fails transiently on
 *   the first 3 attempts of each release command (counted per command id,
 *   in memory) and succeeds from the 4th: the saga's compensation gives up
 *   after its attempts and waits, stuck, for an operator, whose retry (the
 *   same command id) then succeeds. A transient failure records nothing, so
 *   the command's answer is the release that finally happened.
 */
@Injectable()
export class InventoryParticipant {
  /** Reservation commands seen once, for the FLAKY- SKUs (kept in memory: a restart flakes again). */
  private readonly attempted = new Set<string>();
  /** Failed attempts per release command, for the STUCK- SKUs (in memory too). */
  private readonly releaseFailures = new Map<string, number>();

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

  /** Releases whatever the order holds reserved: the 'reserved' rows of the ledger with no 'released' after them. */
  @HandleCommand(ReleaseStock)
  async release({ orderId }: PayloadOf<typeof ReleaseStock>, context: CommandContext) {
    const reservations = await standingEffects(context, orderId, 'reserved', 'released');
    if (!reservations.length) {
      recordEffect(context, orderId, 'nothing-to-release', undoing(context));
      return reply(StockReleased, { released: false });
    }
    if (reservations.some(holdsStuckSku)) this.failWhileStuck(context.envelope.messageId);
    const reservationIds = reservations.map((reservation) => String(reservation.reservationId));
    recordEffect(context, orderId, 'released', { reservationIds, ...undoing(context) });
    return reply(StockReleased, { released: true, reservationId: reservationIds[reservationIds.length - 1] });
  }

  private failWhileStuck(commandId: string): void {
    const failures = this.releaseFailures.get(commandId) ?? 0;
    if (failures < STUCK_RELEASE_FAILURES) {
      this.releaseFailures.set(commandId, failures + 1);
      throw new TransientCommandError('the reservation is locked by a stock count');
    }
  }
}

function holdsStuckSku(reservation: Record<string, any>): boolean {
  return Array.isArray(reservation.items) && reservation.items.some((item: { sku?: string }) => item.sku?.startsWith('STUCK-'));
}
