import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A message a consumer gave up on, with the reason; kept to be inspected and replayed. */
@Entity({ name: 'baton_dead_letter' })
export class DeadLetterEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  /** Which consumer gave up: 'orchestrator', 'participant:inventory', ... */
  @Column('text')
  consumer!: string;

  @Column('text', { nullable: true })
  topic!: string | null;

  @Column('text', { name: 'message_id', nullable: true })
  messageId!: string | null;

  @Column('text', { name: 'message_type', nullable: true })
  messageType!: string | null;

  @Column('text', { name: 'saga_id', nullable: true })
  sagaId!: string | null;

  @Column('jsonb', { nullable: true })
  envelope!: unknown;

  @Column('text')
  reason!: string;

  @Column('integer')
  attempts!: number;

  @Column('timestamptz', { name: 'first_failed_at' })
  firstFailedAt!: Date;

  @Column('timestamptz', { name: 'last_failed_at' })
  lastFailedAt!: Date;
}
