import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { ParticipantModuleOptions } from './participant-module.options';

export const {
  ConfigurableModuleClass: ConfigurableParticipantModule,
  MODULE_OPTIONS_TOKEN: PARTICIPANT_MODULE_OPTIONS,
} = new ConfigurableModuleBuilder<ParticipantModuleOptions>().setClassMethodName('forRoot').build();
