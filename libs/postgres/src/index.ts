// The public API of @baton/postgres. Everything else (the SQL helpers, the
// statement builder, the individual migrations, the workers' internals) is
// private to the package and may change without notice.

// What an app needs: opening its database, and the tables in it.
export {
  BATON_ENTITIES,
  BATON_MIGRATIONS,
  createBatonDataSource,
  createDataSource,
  type BatonDataSourceOptions,
  type DatabaseOptions,
} from './data-source.factory';
export { PARTICIPANT_MIGRATIONS } from './migrations/participant-migrations';
export { DeadLetterEntity } from './entities/dead-letter.entity';
export { InboxMessageEntity } from './entities/inbox-message.entity';
export { OutboxMessageEntity } from './entities/outbox-message.entity';
export { SagaHistoryEntity } from './entities/saga-history.entity';
export { SagaTimerEntity } from './entities/saga-timer.entity';
export { SagaEntity } from './entities/saga.entity';
export { databaseUnavailable, inSnapshot, isDatabaseUnavailable } from './sql';

// What the host (@baton/nest) needs: the step unit of work, the repositories it reads, the workers.
export {
  SagaStepUnitOfWork,
  type DeliveryResult,
  type StartSagaRequest,
  type StartSagaResult,
  type SagaStepOptions,
  type StepBatchingOptions,
} from './unit-of-work/saga-step.unit-of-work';
export type { HistoryListener, StepListener, StepObserved, StepPhases } from './unit-of-work/step-observations';
export { STEPS_CHANNEL } from './unit-of-work/step-writes';
export { SagaRepository, type SagaListFilter, type SagaSearch } from './repositories/saga.repository';
export { SagaHistoryRepository, type CommittedStep, type CommittedStepFilter } from './repositories/saga-history.repository';
export { SagaTimerRepository } from './repositories/saga-timer.repository';
export { DeadLetterRepository, type DeadLetterPageFilter, type DeadLetterRecord, type DeadLetterStatus, type StoredRawMessage } from './repositories/dead-letter.repository';
export {
  OutboxRepository,
  type NewOutboxMessage,
  type OutboxBacklog,
  type OutboxRow,
  type OutboxWritten,
} from './repositories/outbox.repository';
export { OutboxRelay, afterCommit, type OutboxHandoff, type OutboxRelayOptions } from './workers/outbox-relay';
export { OutboxNotificationListener } from './workers/outbox-notification.listener';
export { TimerPoller, type TimerPollerOptions } from './workers/timer-poller';

// What the participant runtime (@baton/participant) needs: its store.
export { ParticipantStore } from './participant/participant-store';
export type { ParticipantUnitOfWork } from './participant/participant-unit-of-work';
export type { CommandToRecord, RecordedCommand } from './participant/participant-inbox';
