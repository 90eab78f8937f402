import type { EntityManager } from 'typeorm';
import type { MessageEnvelope, StepDecision, StepHistoryEntry, TimerToSchedule } from '@baton/core';
import type { NewOutboxMessage, OutboxInsertResult, OutboxRepository, OutboxWritten } from '../repositories/outbox.repository';
import { WriteStatement } from '../write-statement';
import type { TraceCarrier } from '@baton/tracing';

/** A saga row after the steps of one transaction. */
export interface SagaRowChange {
  id: string;
  /** The row version when the transaction locked it. */
  expectedVersion: number;
  version: number;
  status: string;
  stateValue: unknown;
  snapshot: unknown;
  runtime: unknown;
  ended: boolean;
}

/** The channel a step's transaction NOTIFYs with the ids of the history rows it wrote, comma-separated. */
export const STEPS_CHANNEL = 'baton_saga_steps';

/** What a flush wrote: the outbox rows to publish and the ids of the history rows, in id order. */
export interface StepsWritten extends OutboxWritten {
  historyIds: string[];
}

type TimerChange =
  | { sagaId: string; key: string; armed: false }
  | { sagaId: string; key: string; armed: true; delayMs: number; trace: TraceCarrier };

/**
 * Everything the steps of one transaction write, gathered in memory and
 * written by `flush` in a single statement: saga rows, history, inbox,
 * outbox (leased to the writer's relay where the saga's order allows, and
 * the NOTIFY that wakes relays for the rest) and timer changes. However many
 * inputs share the transaction, their writes cost one round trip.
 *
 * Rows keep the order they were added in (history and outbox through
 * `WITH ORDINALITY`, so ids follow it: the relay publishes a saga's commands
 * in id order). A saga changed by several steps is written once, with its
 * last state, checked against the version it was locked at. Timer changes
 * are folded per (saga, key) into their net effect, so one statement never
 * deletes and re-arms the same row.
 */
export class StepWrites {
  constructor(private readonly outboxTable: OutboxRepository) {}

  private readonly sagas = new Map<string, SagaRowChange>();
  private readonly history: StepHistoryEntry[] = [];
  private readonly inbox: Array<{ message_id: string; saga_id: string | null; message_type: string }> = [];
  private readonly outbox: NewOutboxMessage[] = [];
  private readonly timers = new Map<string, TimerChange>();

  /**
   * Adds everything one step decided, after the steps added before it: its
   * saga row (a start's row is inserted before, see SagaRepository.insertMany),
   * history row, inbox record, commands and timer changes.
   */
  add(decision: StepDecision): void {
    const { saga, row, history, inbox, commands, timers } = decision;
    if (saga && row?.write === 'update') {
      const { id, version, status, stateValue, snapshot, runtime } = saga;
      this.updateSaga({ id, expectedVersion: row.expectedVersion, version, status: status!, stateValue, snapshot, runtime, ended: row.ended });
    }
    if (history) this.appendHistory(history);
    if (inbox) this.recordInbox(inbox.messageId, inbox.sagaId, inbox.messageType);
    for (const command of commands) this.appendOutbox(command.topic, command.envelope);
    if (saga) {
      this.cancelTimers(saga.id, timers.cancel);
      this.scheduleTimers(saga.id, timers.schedule, timers.trace);
    }
  }

  private updateSaga(change: SagaRowChange): void {
    const earlier = this.sagas.get(change.id);
    this.sagas.set(change.id, earlier ? { ...change, expectedVersion: earlier.expectedVersion } : change);
  }

  private appendHistory(entry: StepHistoryEntry): void {
    this.history.push(entry);
  }

  private recordInbox(messageId: string, sagaId: string | null, messageType: string): void {
    this.inbox.push({ message_id: messageId, saga_id: sagaId, message_type: messageType });
  }

  private appendOutbox(topic: string, envelope: MessageEnvelope): void {
    this.outbox.push({ topic, envelope });
  }

  private cancelTimers(sagaId: string, keys: readonly string[]): void {
    for (const key of keys) this.timers.set(`${sagaId} ${key}`, { sagaId, key, armed: false });
  }

  /** Arms timers; arming one that exists (its state was re-entered) moves its due time. */
  private scheduleTimers(sagaId: string, timers: readonly TimerToSchedule[], trace: TraceCarrier): void {
    for (const { key, delayMs } of timers) this.timers.set(`${sagaId} ${key}`, { sagaId, key, armed: true, delayMs, trace });
  }

  /**
   * Writes everything in one statement, the transaction's last (it carries
   * the COMMIT of a folded transaction, see sql()), and answers what the
   * relay has to publish (`leaseMs`: lease commands to the writer's relay,
   * see OutboxRepository.addInsert). The statement fails, and so the
   * transaction, if a saga row was not at the version it was locked at.
   */
  async flush(tx: EntityManager, leaseMs?: number): Promise<StepsWritten> {
    const statement = new WriteStatement();
    const json = (value: unknown) => statement.param(JSON.stringify(value));

    const sagas = [...this.sagas.values()];
    if (sagas.length) {
      // Primary key lookups; the version check makes a lost update impossible even without the row lock.
      // A saga that had ended keeps its end time when a late reply is recorded on it.
      const expected = statement.param(sagas.length);
      statement
        .with(
          'saga_rows',
          `UPDATE baton_saga AS s
              SET status = v.status, state_value = v.state_value, snapshot = v.snapshot, runtime = v.runtime,
                  version = v.version, updated_at = now(), ended_at = CASE WHEN v.ended THEN coalesce(s.ended_at, now()) END
             FROM jsonb_to_recordset(${json(sagas.map(sagaRow))}::jsonb)
                  AS v(id uuid, expected integer, version integer, status text, state_value jsonb, snapshot jsonb, runtime jsonb, ended boolean)
            WHERE s.id = v.id AND s.version = v.expected
           RETURNING 1`,
        )
        .select(
          // Checked in the statement, which may carry the COMMIT (see sql()): a mismatch must stop it.
          `baton_assert((SELECT count(*) FROM saga_rows) = ${expected}::integer,
             'Saga rows changed under a locked step: ' || ${expected}::integer - (SELECT count(*) FROM saga_rows) || ' of ' || ${expected}::integer || ' were not at their expected version.') AS sagas_checked`,
        );
    }
    if (this.history.length) {
      statement.with(
        'history_rows',
        `INSERT INTO baton_saga_history
                (saga_id, saga_version, kind, event_type, message_id, actor, from_state, to_state, status, commands, note)
         SELECT saga_id, saga_version, kind, event_type, message_id, actor, from_state, to_state, status, commands, note
           FROM ROWS FROM (jsonb_to_recordset(${json(this.history.map(historyRow))}::jsonb)
                AS (saga_id uuid, saga_version integer, kind text, event_type text, message_id text, actor text,
                    from_state jsonb, to_state jsonb, status text, commands jsonb, note text))
                WITH ORDINALITY AS v(saga_id, saga_version, kind, event_type, message_id, actor, from_state, to_state, status, commands, note, n)
          ORDER BY n
         RETURNING id`,
      );
      // The ids of the rows, for this replica's listeners (after the commit), and NOTIFYed on
      // STEPS_CHANNEL in this transaction, so other replicas hear of them only once it committed
      // (docs/architecture.md, "The invariants" 1). A payload is at most 8000 bytes: 400 ids each.
      statement
        .select(`(SELECT array_agg(id::text ORDER BY id) FROM history_rows) AS history_ids`)
        .select(
          `(SELECT count(pg_notify('${STEPS_CHANNEL}', ids)) FROM (
              SELECT string_agg(id::text, ',' ORDER BY id) AS ids
                FROM (SELECT id, row_number() OVER (ORDER BY id) AS r FROM history_rows) AS numbered
               GROUP BY (r - 1) / 400) AS chunks) AS steps_notified`,
        );
    }
    if (this.inbox.length) {
      statement.with(
        'inbox_rows',
        `INSERT INTO baton_inbox (message_id, saga_id, message_type)
         SELECT message_id, saga_id, message_type
           FROM jsonb_to_recordset(${json(this.inbox)}::jsonb) AS v(message_id text, saga_id uuid, message_type text)`,
      );
    }
    this.outboxTable.addInsert(statement, this.outbox, leaseMs);
    const timers = [...this.timers.values()];
    const cancelled = timers.filter((t) => !t.armed).map((t) => ({ saga_id: t.sagaId, timer_key: t.key }));
    if (cancelled.length) {
      // On the unique (saga_id, timer_key) index, one lookup per timer. The LIMIT (the number of
      // timers) tells the planner how few there are: it guesses 100 rows for jsonb_to_recordset,
      // and for 100 it hashed them and read all of baton_timer, dead rows included. A parameter,
      // so that the text is the same for any number (the statement is kept prepared).
      statement.with(
        'timers_cancelled',
        `DELETE FROM baton_timer AS t
          USING (SELECT * FROM jsonb_to_recordset(${json(cancelled)}::jsonb) AS v(saga_id uuid, timer_key text) LIMIT ${statement.param(cancelled.length)}) AS v
          WHERE t.saga_id = v.saga_id AND t.timer_key = v.timer_key`,
      );
    }
    const armed = timers.flatMap((t) =>
      t.armed
        ? [{ saga_id: t.sagaId, timer_key: t.key, delay_ms: t.delayMs, traceparent: t.trace.traceparent, tracestate: t.trace.tracestate }]
        : [],
    );
    if (armed.length) {
      // Due = the database's clock + delay, so every replica's poller agrees on it.
      statement.with(
        'timers_armed',
        `INSERT INTO baton_timer (saga_id, timer_key, due_at, traceparent, tracestate)
         SELECT saga_id, timer_key, clock_timestamp() + make_interval(secs => delay_ms / 1000), traceparent, tracestate
           FROM jsonb_to_recordset(${json(armed)}::jsonb)
                AS v(saga_id uuid, timer_key text, delay_ms double precision, traceparent text, tracestate text)
         ON CONFLICT (saga_id, timer_key) DO UPDATE
            SET due_at = EXCLUDED.due_at, created_at = now(), claimed_until = NULL, traceparent = EXCLUDED.traceparent, tracestate = EXCLUDED.tracestate`,
      );
    }
    if (statement.empty) return { leased: [], unleased: 0, historyIds: [] };

    const row = await statement.run<OutboxInsertResult & { history_ids?: string[] | null }>(tx, { last: true });
    return { ...this.outboxTable.written(this.outbox, row), historyIds: row.history_ids ?? [] };
  }
}

function sagaRow(change: SagaRowChange) {
  return {
    id: change.id,
    expected: change.expectedVersion,
    version: change.version,
    status: change.status,
    state_value: change.stateValue,
    snapshot: change.snapshot,
    runtime: change.runtime,
    ended: change.ended,
  };
}

function historyRow(entry: StepHistoryEntry) {
  return {
    saga_id: entry.sagaId,
    saga_version: entry.sagaVersion,
    kind: entry.kind,
    event_type: entry.eventType,
    message_id: entry.messageId,
    actor: entry.actor,
    from_state: entry.fromState ?? null,
    to_state: entry.toState,
    status: entry.status,
    commands: entry.commands,
    note: entry.note ?? null,
  };
}
