import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import type { PayloadOf } from '@baton/core';
import type { BatonContext } from '@baton/participant';
import { ReleaseStock, ReserveStock } from '@example/order-fulfillment-contracts';
import { InventoryParticipant } from '../inventory.participant';

/**
 * The example inventory as a NestJS microservice controller: each
 * `@MessagePattern(Contract)` handles one command, under BatonServer's
 * guarantees (at most once, reply through the outbox). The work is the
 * example InventoryParticipant's: a BatonContext is the CommandContext a
 * `@HandleCommand` method gets, so the same code runs under either style.
 */
@Controller()
export class InventoryController {
  constructor(private readonly inventory: InventoryParticipant) {}

  @MessagePattern(ReserveStock)
  reserve(@Payload() command: PayloadOf<typeof ReserveStock>, @Ctx() context: BatonContext) {
    return this.inventory.reserve(command, context);
  }

  @MessagePattern(ReleaseStock)
  release(@Payload() command: PayloadOf<typeof ReleaseStock>, @Ctx() context: BatonContext) {
    return this.inventory.release(command, context);
  }
}
