import type { KafkaMessage } from 'kafkajs';
import { PermanentMessageError, errorMessage, type BatonLogger, type MessageEnvelope, type MessageHandler, type SubscribeOptions } from '@baton/core';
import { DependencyOutage } from './dependency-outage';
import type { Letter } from './kafka-dead-letters';
import { readEnvelope } from './stock-reply';

/**
 * How often a message that waits (for a dependency that is down) checks
 * whether its batch was given up: the longest a rebalance or a close waits on
 * it, a small part of the session timeout, and few enough checks to cost
 * nothing.
 */
export const GIVEN_UP_CHECK_INTERVAL_MS = 250;

/** A subscribed topic's handler and what came with it. */
export interface Subscription {
  handler: MessageHandler;
  options: SubscribeOptions;
}

/** How a message that fails is tried again (KafkaTransportOptions, with the defaults filled in). */
export interface RetryPolicy {
  /** Attempts before a message that keeps failing is dead-lettered. */
  maxAttempts: number;
  /** The first backoff, doubled per attempt... */
  retryDelayMs: number;
  /** ...up to this. */
  maxRetryDelayMs: number;
  /** Whether an error means a dependency is down (the message waits, without counting an attempt). */
  isDependencyUnavailable: (error: unknown) => boolean;
}

/** Where a message came from. */
export interface MessageAt {
  topic: string;
  partition: number;
  message: KafkaMessage;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The attempts at one message: its handler until it succeeds, a bounded
 * number of times with backoff for an ordinary failure, then (or at once for
 * a PermanentMessageError, a malformed message among them) a dead letter. A
 * dependency that is down is waited out instead: tried again with capped
 * backoff, however long, without counting an attempt, and logged once per
 * outage. All of it stops once the batch is given up (`givenUp`).
 */
export class MessageAttempts {
  private readonly outage: DependencyOutage;

  /** `deadLetter` records and copies a letter (KafkaDeadLetters.deadLetter). */
  constructor(
    private readonly policy: RetryPolicy,
    private readonly deadLetter: (letter: Letter) => Promise<void>,
    private readonly logger: BatonLogger,
  ) {
    this.outage = new DependencyOutage(logger, (attempt) => this.backoff(attempt));
  }

  /**
   * Runs the handler until it succeeds, the message is dead-lettered, or the
   * batch is given up; resolves true when the message is done with (its
   * offset may be resolved), false when it was given up (it comes again).
   * Any other failure (a dead-letter copy the broker is away for) rejects.
   */
  async handle(at: MessageAt, { handler, options }: Subscription, givenUp: () => boolean): Promise<boolean> {
    const { topic, partition, message } = at;
    let envelope: MessageEnvelope | undefined;
    let waits = 0;
    for (let attempt = 1; ; ) {
      try {
        envelope ??= await readEnvelope(at, options.sentCommand);
        if (!envelope) {
          this.logger.debug?.(`Message ${message.offset} on ${topic} is a @nestjs/microservices reply that answers nothing; skipped`);
          return true;
        }
        await handler(envelope);
        this.outage.over();
        return true;
      } catch (error) {
        if (this.policy.isDependencyUnavailable(error)) {
          if (!(await this.waitOut(topic, error, ++waits, givenUp))) return false;
          continue;
        }
        const reason = errorMessage(error);
        if (error instanceof PermanentMessageError || attempt >= this.policy.maxAttempts) {
          const letter = { topic, partition, message, envelope, attempts: attempt, reason, sink: options.deadLetters };
          return this.deadLetterWaiting(letter, givenUp);
        }
        const delay = this.backoff(attempt);
        this.logger.warn(`Message ${message.offset} on ${topic} failed (attempt ${attempt}), retrying in ${delay} ms: ${reason}`);
        await sleep(delay);
        attempt++;
      }
    }
  }

  /** The backoff before try `attempt` + 1: the first delay, doubled per attempt, capped. */
  backoff(attempt: number): number {
    return Math.min(this.policy.maxRetryDelayMs, this.policy.retryDelayMs * 2 ** (attempt - 1));
  }

  /**
   * Dead-letters the message. A sink that finds its database down is waited
   * for like a handler: the message is neither lost nor handled again from
   * the start. Resolves false when the batch is given up meanwhile (the
   * message comes again); any other failure propagates (so does it).
   */
  private async deadLetterWaiting(letter: Letter, givenUp: () => boolean): Promise<boolean> {
    for (let waits = 0; ; ) {
      try {
        await this.deadLetter(letter);
        this.outage.over();
        return true;
      } catch (error) {
        if (!this.policy.isDependencyUnavailable(error)) throw error;
        if (!(await this.waitOut(letter.topic, error, ++waits, givenUp))) return false;
      }
    }
  }

  /** Waits out a dependency that is down, the `waits`th time; resolves false when the batch is given up (before or meanwhile). */
  private async waitOut(topic: string, error: unknown, waits: number, givenUp: () => boolean): Promise<boolean> {
    if (givenUp()) return false;
    const delay = this.backoff(waits);
    this.outage.began(topic, error, delay);
    await this.pause(delay, givenUp);
    return !givenUp();
  }

  /** Waits `ms`, or less once the batch is given up. */
  private async pause(ms: number, givenUp: () => boolean): Promise<void> {
    const until = Date.now() + ms;
    while (!givenUp() && Date.now() < until) await sleep(Math.min(GIVEN_UP_CHECK_INTERVAL_MS, until - Date.now()));
  }
}
