import type { MessageEnvelope } from '@baton/core';

/**
 * The envelope a dead letter keeps, if the message could be decoded when it
 * failed; undefined when the row only has the raw message (`{ raw }`).
 */
export function storedEnvelope(value: unknown): MessageEnvelope | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { messageId, type, sagaId } = value as Partial<Record<keyof MessageEnvelope, unknown>>;
  return typeof messageId === 'string' && typeof type === 'string' && typeof sagaId === 'string'
    ? (value as MessageEnvelope)
    : undefined;
}
