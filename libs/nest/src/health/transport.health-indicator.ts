import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { Transport, TransportHealth } from '@baton/core';
import { BATON_TRANSPORT } from '../baton.tokens';

const state = (up: boolean | undefined) => (up === undefined ? 'none' : up ? 'up' : 'down');

function reasons(health: TransportHealth): string[] {
  return [
    ...(health.producer ? [] : ['the producer is not connected to the broker: commands wait in the outbox']),
    ...(health.consumer === false
      ? [
          'the consumer is not in its consumer group: it is joining (after a start or a rebalance; after a crash the group ' +
            "first waits for the dead member's session to time out), or the broker is unreachable; replies wait on the broker until it is",
        ]
      : []),
  ];
}

/**
 * Readiness of the transport, as it reports it (`Transport.health`): on
 * Kafka, the producer is connected and the consumer has joined its group;
 * when not, `message` says which and what waits meanwhile. A transport that
 * reports nothing (in process) is always up.
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
    if (health.producer && health.consumer !== false) return check.up(details);
    return check.down({ ...details, message: reasons(health).join('; ') });
  }
}
