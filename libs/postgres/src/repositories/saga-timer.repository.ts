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

/**
 * The due timers, earliest first, claimed for $2 ms ($1 at most): see
 * SagaTimerRepository.claimDue. "Due" is `now()`, the start of the
 * statement's own transaction, not `clock_timestamp()`: only a stable
 * function bounds a scan of the due_at index. Compared with a volatile one
 * the index gives the order, not the range, and every armed timer is read
 * at every poll (100000 timers armed for a day: 1046 buffers and 9.8 ms a
 * claim, against 33 and 0.5; test/timer-scan.e2e-spec.ts). The claimed ids
 * are matched as an array, so that the plan made for all parameters (it is
 * kept prepared) looks each one up by its key: joined to the claim as a
 * subquery, that plan read the whole table.
 */
export const CLAIM_DUE_TIMERS = `UPDATE baton_timer AS t
    SET claimed_until = clock_timestamp() + make_interval(secs => $2::double precision / 1000)
  WHERE t.id = ANY (ARRAY(
        SELECT id FROM baton_timer
         WHERE due_at <= now() AND (claimed_until IS NULL OR claimed_until <= now())
         ORDER BY due_at
         LIMIT $1
           FOR UPDATE SKIP LOCKED))
 RETURNING t.id, t.saga_id AS "sagaId", t.timer_key AS "timerKey", t.due_at AS "dueAt", t.traceparent, t.tracestate`;

/**
 * Milliseconds until a poller may next claim a timer: see
 * SagaTimerRepository.nextDueInMs. Both parts read the due_at index: the
 * unclaimed timers from its start, the claimed ones among those already
 * due (`now()`, for the reason given at CLAIM_DUE_TIMERS).
 */
export const NEXT_DUE_IN_MS = `SELECT EXTRACT(EPOCH FROM (LEAST(
    (SELECT min(due_at) FROM baton_timer WHERE claimed_until IS NULL OR claimed_until <= now()),
    (SELECT min(claimed_until) FROM baton_timer WHERE due_at <= now() AND claimed_until > now())
  ) - clock_timestamp())) * 1000 AS ms`;

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
    const { rows } = await sql<DueTimer>(this.dataSource.manager, CLAIM_DUE_TIMERS, [limit, claimMs], { prepared: true });
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

  /**
   * Timers due now, and those of them due for longer than `overdueAfterMs`
   * (the poller is behind or stopped); in `manager`'s transaction if it is in one.
   */
  async countDue(overdueAfterMs: number, manager: EntityManager = this.dataSource.manager): Promise<{ due: number; overdue: number }> {
    // A range scan of baton_timer_due: only rows already due are read.
    const { rows } = await sql<{ due: string; overdue: string }>(
      manager,
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
    const { rows } = await sql<{ ms: string | null }>(this.dataSource.manager, NEXT_DUE_IN_MS, [], { prepared: true });
    const ms = rows[0]?.ms;
    return ms == null ? undefined : Math.max(0, Math.ceil(Number(ms)));
  }

}
