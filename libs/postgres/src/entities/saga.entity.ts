import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One saga instance: its persisted machine snapshot and where it stands. */
@Entity({ name: 'baton_saga' })
export class SagaEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  /** The definition version the instance started on and is restored with. */
  @Column('integer', { name: 'definition_version' })
  definitionVersion!: number;

  @Column('text')
  status!: string;

  @Column('jsonb', { name: 'state_value' })
  stateValue!: unknown;

  @Column('jsonb')
  snapshot!: unknown;

  /** The engine's runtime: commands in flight, transition count, why it was parked. */
  @Column('jsonb')
  runtime!: unknown;

  /** Row version: +1 per transition; guards against lost updates. */
  @Column('integer')
  version!: number;

  @Column('text', { name: 'correlation_id' })
  correlationId!: string;

  @Column('text', { name: 'idempotency_key', nullable: true })
  idempotencyKey!: string | null;

  @Column('text', { name: 'input_hash', nullable: true })
  inputHash!: string | null;

  /** The start input as the definition's schema accepted it; NULL for sagas started before migration 0008. */
  @Column('jsonb', { nullable: true })
  input!: unknown;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;

  @Column('timestamptz', { name: 'ended_at', nullable: true })
  endedAt!: Date | null;
}
