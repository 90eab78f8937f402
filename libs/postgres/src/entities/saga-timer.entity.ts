import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A durable `after` timer: armed while its state is active, fired once when due. */
@Entity({ name: 'baton_timer' })
export class SagaTimerEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column('uuid', { name: 'saga_id' })
  sagaId!: string;

  /** XState's delayed event type, e.g. `xstate.after.paymentTimeout.order-fulfillment.securing.payment.authorizing`. */
  @Column('text', { name: 'timer_key' })
  timerKey!: string;

  @Column('timestamptz', { name: 'due_at' })
  dueAt!: Date;

  /** Until when a poller has claimed it (migration 0006); null when unclaimed or armed again since. */
  @Column('timestamptz', { name: 'claimed_until', nullable: true })
  claimedUntil!: Date | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  /** The trace of the step that armed it. */
  @Column('text', { nullable: true })
  traceparent!: string | null;

  @Column('text', { nullable: true })
  tracestate!: string | null;
}
