/**
 * A message as it crosses a transport: the payload plus the headers of
 * docs/wire-protocol.md. The transport maps these to its own
 * headers (Kafka headers, or nothing at all in process).
 */
export interface MessageEnvelope {
  /** Time-ordered uuid; the inbox of the receiver dedupes on it. */
  readonly messageId: string;
  readonly type: string;
  /** Schema version the sender wrote the payload against. */
  readonly version: number;
  readonly sagaId: string;
  readonly sagaName: string;
  /** Shared by every message of one saga instance. */
  readonly correlationId: string;
  /** The message that caused this one. */
  readonly causationId?: string;
  /**
   * On a compensation: the message id of the command it undoes. The
   * participant undoes whatever that command did, if anything, and a copy of
   * that command arriving later must do nothing (docs/wire-protocol.md).
   */
  readonly compensates?: string;
  /** Where a participant sends its reply. */
  readonly replyTo?: string;
  /** ISO-8601 time the message was written. */
  readonly sentAt: string;
  readonly traceparent?: string;
  readonly tracestate?: string;
  readonly payload: unknown;
}
