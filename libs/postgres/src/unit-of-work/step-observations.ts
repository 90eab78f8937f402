import type {
  DataSource,
  EntityManager,
  EntitySubscriberInterface,
  QueryRunner,
  TransactionCommitEvent,
  TransactionRollbackEvent,
  TransactionStartEvent,
} from 'typeorm';
import type { MessageEnvelope, SagaStatus } from '@baton/core';
import type { LockedSaga } from '../repositories/saga.repository';

/** What a step was fed: a start request, a message (a reply, a replayed dead letter), a fired timer, an operator's signal or retry. */
export type StepKind = 'start' | 'message' | 'timer' | 'signal';

/** What a step did with its input: moved the saga, found it already applied (inbox), or recorded it as not accepted. */
export type StepOutcomeKind = 'applied' | 'duplicate' | 'ignored';

/** One step, reported once its transaction committed (see SagaStepUnitOfWork.observe). */
export interface StepObserved {
  sagaId: string;
  sagaName: string;
  /** Undefined for a duplicate: the saga row was not read. */
  definitionVersion?: number;
  kind: StepKind;
  /** The message or signal type; the timer key for a timer; 'start' for a start. */
  eventType: string;
  /** Status after the step (unchanged unless applied); undefined for a duplicate. */
  status?: SagaStatus;
  /** Status before the step; undefined for a start and for a duplicate. */
  previousStatus?: SagaStatus;
  /** Types of the commands the step sent, one entry per command. */
  commands: readonly string[];
  outcome: StepOutcomeKind;
  /** How long the step's transaction took, from BEGIN to COMMIT. */
  durationMs: number;
  /** When the saga was created (now, for a start); undefined for a duplicate. */
  createdAt?: Date;
}

/** Hears of each committed step (SagaStepUnitOfWork.observe); must be quick. */
export type StepListener = (step: StepObserved) => void;

/** What an observation needs of the saga: a locked row, or the one a start just created (no status before it). */
export type ObservedSaga = Pick<LockedSaga, 'id' | 'name' | 'definitionVersion'> & Partial<Pick<LockedSaga, 'status' | 'createdAt'>>;

type PendingStep = Omit<StepObserved, 'durationMs'>;

/**
 * The observer hook of the step unit of work. A step notes what it did in
 * its transaction (`record`, `duplicate`); listeners hear of it only after
 * that transaction committed, and never of one that rolled back (a retried
 * conflict, a failure). Commit and rollback come from TypeORM's transaction
 * events (a subscriber on the data source, added with the first listener),
 * which also time the transaction. Costs nothing while nobody listens.
 */
export class StepObservations implements EntitySubscriberInterface {
  private readonly listeners = new Set<StepListener>();
  private readonly startedAt = new WeakMap<QueryRunner, number>();
  private readonly pending = new WeakMap<QueryRunner, PendingStep[]>();
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

  /** Notes a step that moved the saga ('applied') or was recorded as not accepted ('ignored'). */
  record(
    tx: EntityManager,
    saga: ObservedSaga,
    cause: { kind: string; eventType: string },
    after: { status: SagaStatus | string; commands: readonly string[] },
    outcome: 'applied' | 'ignored',
  ): void {
    this.note(tx, {
      sagaId: saga.id,
      sagaName: saga.name,
      definitionVersion: saga.definitionVersion,
      kind: cause.kind as StepKind,
      eventType: cause.eventType,
      status: after.status as SagaStatus,
      previousStatus: saga.status as SagaStatus | undefined,
      commands: after.commands,
      outcome,
      createdAt: saga.createdAt === undefined ? new Date() : new Date(saga.createdAt),
    });
  }

  /** Notes a message the inbox had already seen, and answers 'duplicate'. */
  duplicate(tx: EntityManager, envelope: MessageEnvelope): 'duplicate' {
    this.note(tx, {
      sagaId: envelope.sagaId,
      sagaName: envelope.sagaName,
      kind: 'message',
      eventType: envelope.type,
      commands: [],
      outcome: 'duplicate',
    });
    return 'duplicate';
  }

  beforeTransactionStart({ queryRunner }: TransactionStartEvent): void {
    if (this.listeners.size) this.startedAt.set(queryRunner, performance.now());
  }

  afterTransactionCommit({ queryRunner }: TransactionCommitEvent): void {
    const steps = this.pending.get(queryRunner);
    // A savepoint released is not the commit; only the outermost one is.
    if (!steps || queryRunner.isTransactionActive) return;
    this.pending.delete(queryRunner);
    const began = this.startedAt.get(queryRunner);
    const durationMs = began === undefined ? 0 : performance.now() - began;
    for (const step of steps) {
      for (const listener of this.listeners) {
        try {
          listener({ ...step, durationMs });
        } catch {
          // The step has committed: an observer's failure must not make it look failed (and be redelivered).
        }
      }
    }
  }

  afterTransactionRollback({ queryRunner }: TransactionRollbackEvent): void {
    if (!queryRunner.isTransactionActive) this.pending.delete(queryRunner);
  }

  private note(tx: EntityManager, step: PendingStep): void {
    const runner = tx.queryRunner;
    if (!this.listeners.size || !runner) return;
    const steps = this.pending.get(runner);
    if (steps) steps.push(step);
    else this.pending.set(runner, [step]);
  }
}
