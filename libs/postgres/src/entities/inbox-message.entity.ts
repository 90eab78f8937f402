import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A message the orchestrator has applied; its id makes a redelivery a no-op. */
@Entity({ name: 'baton_inbox' })
export class InboxMessageEntity {
  @PrimaryColumn('text', { name: 'message_id' })
  messageId!: string;

  @Column('uuid', { name: 'saga_id', nullable: true })
  sagaId!: string | null;

  @Column('text', { name: 'message_type' })
  messageType!: string;

  @Column('timestamptz', { name: 'received_at' })
  receivedAt!: Date;
}
