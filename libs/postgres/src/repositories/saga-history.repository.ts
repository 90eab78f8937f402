import type { DataSource, EntityManager } from 'typeorm';
import { SagaHistoryEntity } from '../entities/saga-history.entity';
import { sql } from '../sql';

export interface NewHistoryEntry {
  sagaId: string;
  sagaVersion: number;
  /** start | message | timer | signal (an operator's) | ignored */
  kind: 'start' | 'message' | 'timer' | 'signal' | 'ignored';
  eventType: string;
  messageId: string | null;
  actor: string;
  fromState: unknown;
  toState: unknown;
  status: string;
  commands: Array<{ type: string; participant: string; messageId: string; attempt?: number }>;
  note?: string;
}

/** A saga's timeline: one row per input it handled. */
export class SagaHistoryRepository {
  constructor(private readonly dataSource: DataSource) {}

  async append(tx: EntityManager, entry: NewHistoryEntry): Promise<void> {
    await sql(
      tx,
      `INSERT INTO baton_saga_history
         (saga_id, saga_version, kind, event_type, message_id, actor, from_state, to_state, status, commands, note)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        entry.sagaId,
        entry.sagaVersion,
        entry.kind,
        entry.eventType,
        entry.messageId,
        entry.actor,
        entry.fromState === undefined ? null : JSON.stringify(entry.fromState),
        JSON.stringify(entry.toState),
        entry.status,
        JSON.stringify(entry.commands),
        entry.note ?? null,
      ],
    );
  }

  forSaga(sagaId: string): Promise<SagaHistoryEntity[]> {
    return this.dataSource.getRepository(SagaHistoryEntity).find({ where: { sagaId }, order: { id: 'ASC' } });
  }
}
