import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { MessageEnvelope } from '@baton/core';

/** A message written in the same transaction as the state change that caused it, published afterwards. */
@Entity({ name: 'baton_outbox' })
export class OutboxMessageEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  /** Not unique: a retried command goes out again under the same id. */
  @Column('uuid', { name: 'message_id' })
  messageId!: string;

  @Column('uuid', { name: 'saga_id' })
  sagaId!: string;

  @Column('text')
  topic!: string;

  /** Who wrote it: '' (the orchestrator) here; order is kept among a saga's rows of one sender to one topic. */
  @Column('text')
  sender!: string;

  @Column('text', { name: 'message_type' })
  messageType!: string;

  @Column('jsonb')
  envelope!: MessageEnvelope;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'published_at', nullable: true })
  publishedAt!: Date | null;

  /** A relay's lease on the row while it publishes it, or the backoff after a failed attempt. */
  @Column('timestamptz', { name: 'locked_until', nullable: true })
  lockedUntil!: Date | null;

  @Column('integer')
  attempts!: number;

  @Column('text', { name: 'last_error', nullable: true })
  lastError!: string | null;
}
