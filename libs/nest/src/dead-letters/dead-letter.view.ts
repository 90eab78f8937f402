import type { MessageEnvelope } from '@baton/core';
import type { DeadLetterRecord } from '@baton/postgres';
import { rawMessageView, type RawMessageView } from './raw-message.view';
import { storedEnvelope } from './stored-envelope';

/**
 * A dead letter as the REST API shows it: `id` is a bigint as a string,
 * `consumer` who gave up on the message ('orchestrator', ...), `reason` why it
 * failed the last time it was tried.
 */
export interface DeadLetterView
  extends Pick<DeadLetterRecord, 'id' | 'consumer' | 'topic' | 'messageId' | 'messageType' | 'sagaId' | 'reason' | 'attempts' | 'status'> {
  firstFailedAt: string;
  lastFailedAt: string;
  replayed?: { at: string; by: string; outcome: string };
  discarded?: { at: string; by: string; reason: string | null };
  /** The decoded message: headers and payload (GET /dead-letters/{id} only). */
  envelope?: MessageEnvelope;
  /**
   * The message as it arrived on the broker, byte for byte: key, value and
   * headers in base64, and as text where they are UTF-8 (GET /dead-letters/{id}
   * only; letters from a broker, not from the in-process transport).
   */
  raw?: RawMessageView;
}

/** A page of dead letters, newest first, as GET /dead-letters returns it. */
export interface DeadLetterPage {
  items: DeadLetterView[];
  /** Pass as `cursor` to get the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/** GET /dead-letters/facets: the distinct consumers and topics among dead letters of a status, sorted. */
export interface DeadLetterFacets {
  consumers: string[];
  topics: string[];
}

export function toDeadLetterView(letter: DeadLetterRecord, withMessage = false): DeadLetterView {
  const view: DeadLetterView = {
    id: letter.id,
    consumer: letter.consumer,
    topic: letter.topic,
    messageId: letter.messageId,
    messageType: letter.messageType,
    sagaId: letter.sagaId,
    reason: letter.reason,
    attempts: letter.attempts,
    firstFailedAt: letter.firstFailedAt.toISOString(),
    lastFailedAt: letter.lastFailedAt.toISOString(),
    status: letter.status,
  };
  if (letter.replayedAt) {
    view.replayed = { at: letter.replayedAt.toISOString(), by: letter.replayedBy ?? '', outcome: letter.replayOutcome ?? '' };
  }
  if (letter.discardedAt) {
    view.discarded = { at: letter.discardedAt.toISOString(), by: letter.discardedBy ?? '', reason: letter.discardReason };
  }
  if (withMessage) {
    const envelope = storedEnvelope(letter.envelope);
    if (envelope) view.envelope = envelope;
    if (letter.raw) view.raw = rawMessageView(letter.raw);
  }
  return view;
}
