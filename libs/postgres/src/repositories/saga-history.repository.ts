import type { DataSource } from 'typeorm';
import { SagaHistoryEntity } from '../entities/saga-history.entity';

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

  forSaga(sagaId: string): Promise<SagaHistoryEntity[]> {
    return this.dataSource.getRepository(SagaHistoryEntity).find({ where: { sagaId }, order: { id: 'ASC' } });
  }
}
