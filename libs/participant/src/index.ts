export type { CommandFailureError } from './command-failure';
export * from './command-handler';
export * from './command-refused.error';
export * from './nest/duplicate-command-handler.error';
export * from './nest/handle-command.decorator';
export * from './nest/participant-explorer.service';
export * from './nest/participant-module.options';
export * from './nest/participant.module';
export * from './participant-runtime';
export * from './participant-worker';
export type { CommandResult } from './queued-command';
export * from './transient-command.error';
/** Every migration of the participant tables, in order (from @baton/postgres): put them before an app's own migrations. */
export { PARTICIPANT_MIGRATIONS } from '@baton/postgres';
