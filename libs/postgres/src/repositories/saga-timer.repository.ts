import type { DataSource, EntityManager } from 'typeorm';
import { SagaTimerEntity } from '../entities/saga-timer.entity';
import { sql } from '../sql';

export interface DueTimer {
  id: string;
  sagaId: string;
  timerKey: string;
  dueAt: Date;
  /** The trace of the step that armed it. */
  traceparent?: string;
  tracestate?: string;
}

/** Durable `after` timers. */
export class SagaTimerRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Claims up to `limit` due timers for `claimMs`, earliest first (index on
   * due_at), in one statement of its own transaction: SKIP LOCKED lets the
   * pollers of several replicas take different timers without waiting, and
   * a claimed timer is passed over by the others until its claim runs out
   * (a poller that died leaves it late by at most that). The claim only
   * shares out the work: the step that fires a timer locks its saga and
   * checks that it is still due (`stillDue`), so a timer fires once even if
   * two pollers held it.
   */
  async claimDue(limit: number, claimMs: number): Promise<DueTimer[]> {
    const { rows } = await sql<DueTimer>(
      this.dataSource.manager,
      `UPDATE baton_timer AS t
          SET claimed_until = clock_timestamp() + make_interval(secs => $2::double precision / 1000)
         FROM (SELECT id FROM baton_timer
                WHERE due_at <= clock_timestamp() AND (claimed_until IS NULL OR claimed_until <= clock_timestamp())
                ORDER BY due_at
                LIMIT $1
                  FOR UPDATE SKIP LOCKED) AS due
        WHERE t.id = due.id
       RETURNING t.id, t.saga_id AS "sagaId", t.timer_key AS "timerKey", t.due_at AS "dueAt", t.traceparent, t.tracestate`,
      [limit, claimMs],
    );
    return rows;
  }

  /**
   * Which of these timers are still armed and due, read by a step that holds
   * their sagas' locks: every change to a saga's timers is made under its
   * saga's lock, so the answer holds until the step commits. A timer fired
   * or cancelled by an earlier step is gone; one armed again (its state was
   * entered again) is no longer due.
   */
  async stillDue(tx: EntityManager, ids: readonly string[]): Promise<Set<string>> {
    const { rows } = await sql<{ id: string }>(
      tx,
      `SELECT id FROM baton_timer WHERE id = ANY($1::bigint[]) AND due_at <= clock_timestamp()`,
      [ids],
      { prepared: true },
    );
    return new Set(rows.map((row) => row.id));
  }

  /** Takes out a timer that can never fire (it is dead-lettered in the same transaction). */
  async delete(tx: EntityManager, id: string): Promise<void> {
    await sql(tx, `DELETE FROM baton_timer WHERE id = $1`, [id]);
  }

  forSaga(sagaId: string): Promise<SagaTimerEntity[]> {
    return this.dataSource.getRepository(SagaTimerEntity).find({ where: { sagaId }, order: { dueAt: 'ASC' } });
  }

  /** Timers due now, and those of them due for longer than `overdueAfterMs` (the poller is behind or stopped). */
  async countDue(overdueAfterMs: number): Promise<{ due: number; overdue: number }> {
    // A range scan of baton_timer_due: only rows already due are read.
    const rows: Array<{ due: string; overdue: string }> = await this.dataSource.query(
      `SELECT count(*) AS due,
              count(*) FILTER (WHERE due_at <= now() - make_interval(secs => $1::double precision / 1000)) AS overdue
         FROM baton_timer WHERE due_at <= now()`,
      [overdueAfterMs],
    );
    return { due: Number(rows[0].due), overdue: Number(rows[0].overdue) };
  }

  /**
   * Milliseconds until a poller may next claim a timer (0 if one waits), or
   * undefined if none is armed: the earliest due time of the unclaimed
   * timers, or the end of the earliest claim, whichever comes first. A
   * claimed timer is due already, so both read the due_at index (the
   * unclaimed from its start, the claimed among the due).
   */
  async nextDueInMs(): Promise<number | undefined> {
    const rows: Array<{ ms: string | null }> = await this.dataSource.query(
      `SELECT EXTRACT(EPOCH FROM (LEAST(
                (SELECT min(due_at) FROM baton_timer WHERE claimed_until IS NULL OR claimed_until <= clock_timestamp()),
                (SELECT min(claimed_until) FROM baton_timer WHERE due_at <= clock_timestamp() AND claimed_until > clock_timestamp())
              ) - clock_timestamp())) * 1000 AS ms`,
    );
    const ms = rows[0]?.ms;
    return ms == null ? undefined : Math.max(0, Math.ceil(Number(ms)));
  }

}
