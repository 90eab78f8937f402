export * from './command-handler';
export * from './migrations/0101-participant-schema.migration';
export * from './nest/duplicate-command-handler.error';
export * from './nest/handle-command.decorator';
export * from './nest/participant-explorer.service';
export * from './nest/participant-module.options';
export * from './nest/participant.module';
export * from './participant-runtime';
