import type { DataSource } from 'typeorm';
import { sql } from '../sql';
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

/** A committed history row with its saga's name and definition version: what a live subscriber hears. */
export interface CommittedStep {
  id: string;
  sagaId: string;
  sagaName: string;
  definitionVersion: number;
  kind: string;
  eventType: string;
  status: string;
  toState: unknown;
  actor: string;
  at: Date;
}

/** Which sagas a reader wants: any of `ids`, and of `name` (each when given). */
export interface CommittedStepFilter {
  ids?: readonly string[];
  name?: string;
}

const COMMITTED_STEP = `SELECT h.id::text AS id, h.saga_id AS "sagaId", s.name AS "sagaName", s.definition_version AS "definitionVersion",
         h.kind, h.event_type AS "eventType", h.status, h.to_state AS "toState", h.actor, h.at
    FROM baton_saga_history AS h JOIN baton_saga AS s ON s.id = h.saga_id`;

/** A saga's timeline: one row per input it handled. */
export class SagaHistoryRepository {
  constructor(private readonly dataSource: DataSource) {}

  forSaga(sagaId: string): Promise<SagaHistoryEntity[]> {
    return this.dataSource.getRepository(SagaHistoryEntity).find({ where: { sagaId }, order: { id: 'ASC' } });
  }

  /** The message id of the first command the saga sent, if it sent one (index baton_saga_history_saga). */
  async firstCommand(sagaId: string): Promise<string | undefined> {
    const { rows } = await sql<{ messageId: string }>(
      this.dataSource.manager,
      `SELECT h.commands -> 0 ->> 'messageId' AS "messageId" FROM baton_saga_history h
        WHERE h.saga_id = $1 AND jsonb_array_length(h.commands) > 0 ORDER BY h.id LIMIT 1`,
      [sagaId],
    );
    return rows[0]?.messageId ?? undefined;
  }

  /** The rows of `ids` (committed ones: read after the commit), in id order. */
  async committed(ids: readonly string[]): Promise<CommittedStep[]> {
    if (!ids.length) return [];
    const { rows } = await sql<CommittedStep>(this.dataSource.manager, `${COMMITTED_STEP} WHERE h.id = ANY($1::bigint[]) ORDER BY h.id`, [ids]);
    return rows;
  }

  /** Up to `limit` rows after the row `afterId`, in id order, of the sagas `filter` names. */
  async after(afterId: string, filter: CommittedStepFilter, limit: number): Promise<CommittedStep[]> {
    const params: unknown[] = [afterId, limit];
    let where = 'h.id > $1::bigint';
    if (filter.ids?.length) where += ` AND h.saga_id = ANY($${params.push(filter.ids)}::uuid[])`;
    if (filter.name !== undefined) where += ` AND s.name = $${params.push(filter.name)}`;
    const { rows } = await sql<CommittedStep>(this.dataSource.manager, `${COMMITTED_STEP} WHERE ${where} ORDER BY h.id LIMIT $2`, params);
    return rows;
  }
}
