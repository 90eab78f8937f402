import type { MessageEnvelope } from './message-envelope';

/** A message a consumer gave up on, and why. */
export interface DeadLetter {
  readonly topic: string;
  readonly reason: string;
  readonly attempts: number;
  /** The decoded message, when it could be decoded. */
  readonly envelope?: MessageEnvelope;
  /** The message as it arrived, when it could not be decoded (or always, from a broker). */
  readonly raw?: { key: string | null; value: string | null; headers: Record<string, string> };
}

/** Where a consumer keeps its dead letters (a table, usually), so they are seen and can be replayed. */
export interface DeadLetterSink {
  record(letter: DeadLetter): Promise<void>;
}

/**
 * Thrown by a message handler for a message that will fail the same way
 * every time (malformed, unknown type or saga). The transport dead-letters it
 * at once instead of retrying, and moves on.
 */
export class PermanentMessageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentMessageError';
  }
}
