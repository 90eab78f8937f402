import type {
  DataSource,
  EntityManager,
  EntitySubscriberInterface,
  QueryRunner,
  TransactionCommitEvent,
  TransactionRollbackEvent,
  TransactionStartEvent,
} from 'typeorm';
import type { StepObservation } from '@baton/core';

/**
 * Where a step transaction's time went (the rest of `durationMs`: the
 * connection, TypeORM's events). Its BEGIN travels with its first statement
 * (inserting starts, or else locking) and its COMMIT with the write
 * (docs/architecture.md, "Round trips of a step").
 */
export interface StepPhases {
  /** Inputs the transaction applied (its group-commit batch). */
  batchSize: number;
  /** Inserting the started sagas' rows. */
  startMs: number;
  /** Locking the sagas, with the inbox and due-timer checks. */
  lockMs: number;
  /** Deciding every input on its saga (the engine, in the process). */
  decideMs: number;
  /** The one statement that writes every decision, and COMMITs. */
  writeMs: number;
}

/** One step, reported once its transaction committed (see SagaStepUnitOfWork.observe). */
export interface StepObserved extends StepObservation {
  /** How long the step's transaction took, from BEGIN to COMMIT. */
  durationMs: number;
  /** Where that time went (steps of a batch; an operator's action has none). */
  phases?: StepPhases;
}

/** Hears of each committed step (SagaStepUnitOfWork.observe); must be quick. */
export type StepListener = (step: StepObserved) => void;

/** Hears the ids of the history rows a transaction committed, in id order (SagaStepUnitOfWork.observeHistory); must be quick. */
export type HistoryListener = (historyIds: readonly string[]) => void;

/**
 * The observer hook of the step unit of work. A step notes what it did in
 * its transaction (`record`); listeners hear of it only after
 * that transaction committed, and never of one that rolled back (a retried
 * conflict, a failure). Commit and rollback come from TypeORM's transaction
 * events (a subscriber on the data source, added with the first listener),
 * which also time the transaction. Costs nothing while nobody listens.
 */
export class StepObservations implements EntitySubscriberInterface {
  private readonly listeners = new Set<StepListener>();
  private readonly historyListeners = new Set<HistoryListener>();
  private readonly pendingHistory = new WeakMap<QueryRunner, string[]>();
  private readonly startedAt = new WeakMap<QueryRunner, number>();
  private readonly pending = new WeakMap<QueryRunner, StepObservation[]>();
  private readonly phases = new WeakMap<QueryRunner, StepPhases>();
  private subscribed = false;

  /** Adds a listener; returns a function that removes it. */
  listen(dataSource: DataSource, listener: StepListener): () => void {
    if (!this.subscribed) {
      dataSource.subscribers.push(this);
      this.subscribed = true;
    }
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Adds a listener of committed history rows; returns a function that removes it. */
  listenHistory(dataSource: DataSource, listener: HistoryListener): () => void {
    if (!this.subscribed) {
      dataSource.subscribers.push(this);
      this.subscribed = true;
    }
    this.historyListeners.add(listener);
    return () => void this.historyListeners.delete(listener);
  }

  /** Notes history rows written by the transaction `tx`: history listeners hear of them once it committed. */
  recordHistory(tx: EntityManager, historyIds: readonly string[]): void {
    const runner = tx.queryRunner;
    if (!this.historyListeners.size || !runner || !historyIds.length) return;
    const ids = this.pendingHistory.get(runner);
    if (ids) ids.push(...historyIds);
    else this.pendingHistory.set(runner, [...historyIds]);
  }

  /** Notes a step of the transaction `tx`: listeners hear of it once that transaction committed. */
  record(tx: EntityManager, step: StepObservation): void {
    const runner = tx.queryRunner;
    if (!this.listeners.size || !runner) return;
    const steps = this.pending.get(runner);
    if (steps) steps.push(step);
    else this.pending.set(runner, [step]);
  }

  /** Notes where the transaction `tx` spent its time so far: its steps' listeners hear of it with them. */
  recordPhases(tx: EntityManager, phases: StepPhases): void {
    if (this.listeners.size && tx.queryRunner) this.phases.set(tx.queryRunner, phases);
  }

  beforeTransactionStart({ queryRunner }: TransactionStartEvent): void {
    if (this.listeners.size) this.startedAt.set(queryRunner, performance.now());
  }

  afterTransactionCommit({ queryRunner }: TransactionCommitEvent): void {
    const ids = this.pendingHistory.get(queryRunner);
    if (ids && !queryRunner.isTransactionActive) {
      this.pendingHistory.delete(queryRunner);
      for (const listener of this.historyListeners) {
        try {
          listener(ids);
        } catch {
          // As below: the step has committed.
        }
      }
    }
    const steps = this.pending.get(queryRunner);
    // A savepoint released is not the commit; only the outermost one is.
    if (!steps || queryRunner.isTransactionActive) return;
    this.pending.delete(queryRunner);
    const began = this.startedAt.get(queryRunner);
    const durationMs = began === undefined ? 0 : performance.now() - began;
    const phases = this.phases.get(queryRunner);
    this.phases.delete(queryRunner);
    for (const step of steps) {
      for (const listener of this.listeners) {
        try {
          listener({ ...step, durationMs, ...(phases ? { phases } : {}) });
        } catch {
          // The step has committed: an observer's failure must not make it look failed (and be redelivered).
        }
      }
    }
  }

  afterTransactionRollback({ queryRunner }: TransactionRollbackEvent): void {
    if (queryRunner.isTransactionActive) return;
    this.pending.delete(queryRunner);
    this.pendingHistory.delete(queryRunner);
    this.phases.delete(queryRunner);
  }
}
