import type { ParticipantRuntimeOptions } from '../participant-runtime';

/** Options of `ParticipantModule.forRoot` / `forRootAsync`: the database, the transport and how the participants run (see ParticipantRuntimeOptions). */
export type ParticipantModuleOptions = ParticipantRuntimeOptions;
