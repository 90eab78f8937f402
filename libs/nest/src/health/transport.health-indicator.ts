import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { Transport } from '@baton/core';
import { BATON_TRANSPORT } from '../baton.tokens';

const state = (up: boolean | undefined) => (up === undefined ? 'none' : up ? 'up' : 'down');

/**
 * Readiness of the transport, as it reports it (`Transport.health`): on
 * Kafka, the producer is connected and the consumer has joined its group. A
 * transport that reports nothing (in process) is always up.
 */
@Injectable()
export class TransportHealthIndicator {
  constructor(
    @Inject(BATON_TRANSPORT) private readonly transport: Transport,
    private readonly indicators: HealthIndicatorService,
  ) {}

  connected<const Key extends string>(key: Key) {
    const check = this.indicators.check(key);
    const health = this.transport.health?.();
    if (!health) return check.up();
    const details = { producer: state(health.producer), consumer: state(health.consumer) };
    return health.producer && health.consumer !== false ? check.up(details) : check.down(details);
  }
}
