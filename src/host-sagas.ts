import type { SagaDefinition } from '@baton/core';
import { createOrderFulfillmentSaga } from '@example/sagas';
import type { ExampleConfig } from './config/example.config';

/**
 * The sagas this host runs, with the example's settings: SagaModule
 * registers them (app.module.ts), and `npm run asyncapi` (asyncapi.ts)
 * documents their messages.
 */
export function hostSagas(example: ExampleConfig): SagaDefinition[] {
  return [createOrderFulfillmentSaga({ paymentTimeoutMs: example.orderPaymentTimeoutMs, replyTimeoutMs: example.orderReplyTimeoutMs })];
}
