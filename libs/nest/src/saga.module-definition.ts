import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { SagaModuleOptions } from './saga-module.options';

export const {
  ConfigurableModuleClass: ConfigurableSagaModule,
  MODULE_OPTIONS_TOKEN: SAGA_MODULE_OPTIONS,
  OPTIONS_TYPE: SAGA_MODULE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: SAGA_MODULE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<SagaModuleOptions>()
  .setClassMethodName('forRoot')
  // Global by default: the orchestrator, the database and the transport are the app's.
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
