import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One row per input a saga handled: what came in, from which state to which, what it sent. */
@Entity({ name: 'baton_saga_history' })
export class SagaHistoryEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column('uuid', { name: 'saga_id' })
  sagaId!: string;

  /** The saga's row version after this entry. */
  @Column('integer', { name: 'saga_version' })
  sagaVersion!: number;

  /** start | message | timer | ignored */
  @Column('text')
  kind!: string;

  @Column('text', { name: 'event_type' })
  eventType!: string;

  @Column('text', { name: 'message_id', nullable: true })
  messageId!: string | null;

  /** Who caused it: 'api', a participant, 'timer'. */
  @Column('text')
  actor!: string;

  @Column('jsonb', { name: 'from_state', nullable: true })
  fromState!: unknown;

  @Column('jsonb', { name: 'to_state' })
  toState!: unknown;

  @Column('text')
  status!: string;

  /** Commands this transition sent: `{ type, participant, messageId }`. */
  @Column('jsonb')
  commands!: Array<{ type: string; participant: string; messageId: string }>;

  @Column('text', { nullable: true })
  note!: string | null;

  @Column('timestamptz')
  at!: Date;
}
