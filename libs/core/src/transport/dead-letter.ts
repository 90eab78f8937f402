import type { MessageEnvelope } from './message-envelope';

/** A message a consumer gave up on, and why. */
export interface DeadLetter {
  readonly topic: string;
  readonly reason: string;
  readonly attempts: number;
  /** The decoded message, when it could be decoded. */
  readonly envelope?: MessageEnvelope;
  /** The message as it arrived, byte for byte (a broker transport always gives it). */
  readonly raw?: RawMessage;
}

/**
 * A message exactly as a broker delivered it: its bytes, whatever they are,
 * so a dead letter can keep what arrived even when it is not text.
 */
export interface RawMessage {
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  /** Every header in the order it came, a repeated name as often as it came. */
  readonly headers: ReadonlyArray<{ readonly name: string; readonly value: Uint8Array | null }>;
}

/**
 * Where a consumer keeps its dead letters (a table, usually), so they are
 * seen and can be replayed. `record` must store any letter whose envelope is
 * absent: its reason and raw bytes are storable by construction.
 */
export interface DeadLetterSink {
  record(letter: DeadLetter): Promise<void>;
}

/**
 * Dead letters a transport could not keep in full since it started (each is
 * logged as well): a dead letter must never stop its partition, so these are
 * counted and the consumer moves on.
 */
export interface DeadLetterFailures {
  /** Recorded without the decoded envelope: the sink refused the whole letter, and kept the raw message and the error. */
  withoutEnvelope: number;
  /** Not recorded at all: the sink refused even the raw message; the broker's copy (`<topic>.dlq`) is what remains. */
  notRecorded: number;
  /** Not copied to `<topic>.dlq`: the broker refused the copy (too large, say); the sink has it. */
  notCopied: number;
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
