import { DependencyUnavailableError, errorMessage, type BatonLogger } from '@baton/core';

/**
 * Whether an error means a dependency is down rather than that the message
 * failed: a DependencyUnavailableError always, and whatever `also` recognises
 * (KafkaTransportOptions.isDependencyUnavailable).
 */
export function dependencyUnavailableTest(also?: (error: unknown) => boolean): (error: unknown) => boolean {
  return (error) => error instanceof DependencyUnavailableError || !!also?.(error);
}

/**
 * The consumer's log of a dependency outage: one warning when handlers first
 * find a dependency down, one line when one succeeds again, however many
 * messages wait meanwhile and however often each is tried.
 */
export class DependencyOutage {
  /** Since when handlers have found a dependency down, until one succeeds again. */
  private outage?: { since: number; dependency: string };

  /** `backoff` is the waiting messages' (its value at Infinity, the longest wait, goes in the warning). */
  constructor(
    private readonly logger: BatonLogger,
    private readonly backoff: (attempt: number) => number,
  ) {}

  /** A message of `topic` found a dependency down and is tried again in `delay` ms; the first since the last outage is logged. */
  began(topic: string, error: unknown, delay: number): void {
    if (this.outage) return;
    const known = error instanceof DependencyUnavailableError;
    const dependency = known ? error.dependency : 'a dependency';
    this.outage = { since: Date.now(), dependency };
    this.logger.warn(
      `Consuming ${topic}: ${known ? errorMessage(error) : `a dependency is unavailable: ${errorMessage(error)}`}. Messages wait and are tried again ` +
        `(first in ${delay} ms, then at most every ${this.backoff(Infinity)} ms) until it is back, without counting attempts or dead-lettering them.`,
    );
  }

  /** A message went through: an outage under way is over, and says how long it lasted. */
  over(): void {
    if (!this.outage) return;
    const { since, dependency } = this.outage;
    this.outage = undefined;
    this.logger.log(`${dependency} is available again after ${((Date.now() - since) / 1000).toFixed(1)} s: messages are handled again.`);
  }
}
