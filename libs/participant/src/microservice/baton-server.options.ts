import type { BatonLogger, CommandContract } from '@baton/core';
import type { ParticipantRuntimeOptions } from '../participant-runtime';

/**
 * Options of a BatonServer: where its participants run (the database, the
 * transport, topics, batching: as for `ParticipantModule.forRoot`), plus:
 */
export interface BatonServerOptions extends ParticipantRuntimeOptions {
  /**
   * The contracts of the commands whose handlers name them by their type
   * (`@MessagePattern('ReserveStock')`): the server validates payloads
   * against them. A handler that names its contract
   * (`@MessagePattern(ReserveStock)`) needs none. @default none
   */
  commands?: readonly CommandContract[];
  /** Where the participants and their relay log. @default Nest's Logger, context 'BatonServer' */
  logger?: BatonLogger;
}
