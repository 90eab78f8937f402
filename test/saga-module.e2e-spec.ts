import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { SagaModule, SagaOrchestrator } from '@baton/nest';
import { PARTICIPANT_MIGRATIONS } from '@baton/participant';
import { ExampleLedger1763800000201 } from '@example/participants';
import { createOrderFulfillmentSaga } from '@example/sagas';
import { eventually, orderFor } from './support/orders';
import { TEST_DATABASE_URL, TestSchema } from './support/test-database';

/** SagaModule as a library user wires it: options from their own config provider, asynchronously. */
@Injectable()
class SettingsService {
  constructor(readonly schema: string) {}
}

describe('SagaModule.forRootAsync', () => {
  let schema: TestSchema;

  beforeAll(async () => {
    schema = await TestSchema.create('module');
  });

  afterAll(async () => {
    await schema.drop();
  });

  it('builds its options from an injected provider and runs sagas with them', async () => {
    @Module({ providers: [{ provide: SettingsService, useValue: new SettingsService(schema.name) }], exports: [SettingsService] })
    class SettingsModule {}

    const moduleRef = await Test.createTestingModule({
      imports: [
        SagaModule.forRootAsync({
          imports: [SettingsModule],
          inject: [SettingsService],
          useFactory: async (settings: SettingsService) => ({
            sagas: [createOrderFulfillmentSaga()],
            database: {
              url: TEST_DATABASE_URL,
              schema: settings.schema,
              migrations: [...PARTICIPANT_MIGRATIONS, ExampleLedger1763800000201],
            },
            // Nobody consumes commands here: the saga waits for its replies.
            topics: { prefix: 'module-test.' },
          }),
        }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      const orchestrator = app.get(SagaOrchestrator);
      const { sagaId, created } = await orchestrator.start({ name: 'order-fulfillment', input: orderFor('completes', 'module-1') });
      expect(created).toBe(true);
      const saga = await orchestrator.get(sagaId);
      expect(saga).toMatchObject({ name: 'order-fulfillment', status: 'running', state: { securing: { stock: 'reserving', payment: 'authorizing' } } });
      const page = await eventually(async () => {
        const listed = await orchestrator.list({ limit: 10 });
        return listed.items.length ? listed : undefined;
      });
      expect(page.items.map((item) => item.id)).toEqual([sagaId]);
    } finally {
      await app.close();
    }
  });
});
