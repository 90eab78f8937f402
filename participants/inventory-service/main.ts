import { startTracing } from '../../src/tracing.bootstrap';
// Before anything else loads http or pg.
startTracing('baton-inventory');
import 'reflect-metadata';
import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PinoLoggerService } from '@baton/nest';
import { BatonServer } from '@baton/participant';
import { loadConfig } from '../../src/config/app.config';
import { ConfigError } from '../../src/config/env';
import { createTransport } from '../../src/config/create-transport';
import { databaseOptions } from '../../src/config/database-options';
import { loadExampleConfig } from '../../src/config/example.config';
import { exitAfterFailedStart } from '../../src/failed-start';
import { ExampleSettings } from '../example-settings';
import { InventoryParticipant } from '../inventory.participant';
import { ExampleLedger1763800000201 } from '../migrations/0201-example-ledger.migration';
import { InventoryController } from './inventory.controller';

/** The inventory microservice: its controller and the example inventory's logic. */
@Module({})
class InventoryServiceModule {
  static forRoot(settings: ExampleSettings): DynamicModule {
    return {
      module: InventoryServiceModule,
      controllers: [InventoryController],
      providers: [{ provide: ExampleSettings, useValue: settings }, InventoryParticipant],
    };
  }
}

/** The process's logger, once the configuration says how to log; a failed start flushes it before exiting. */
let output: PinoLoggerService | undefined;

/**
 * The example inventory participant as a NestJS microservice of its own, on
 * Baton's transport strategy (BatonServer): its own database, commands in
 * and replies out over Kafka. Run the example participants without
 * inventory (EXAMPLE_PARTICIPANTS=payment,shipping,notification) beside it.
 */
async function bootstrap(): Promise<void> {
  // Its own PGlite folder unless DATABASE_URL says otherwise.
  const config = loadConfig({ PGLITE_DATA_DIR: '.data/inventory-pglite', ...process.env }, 'baton-inventory');
  if (!config.kafka) throw new ConfigError(['KAFKA_BROKERS is unset: the inventory service talks to the orchestrator over Kafka']);
  const example = loadExampleConfig(process.env);
  output = new PinoLoggerService({ ...config.log, name: 'baton-inventory' });
  const settings = new ExampleSettings(example.participantFailureRate, example.participantLatencyMs);
  const app = await NestFactory.createMicroservice(InventoryServiceModule.forRoot(settings), {
    strategy: new BatonServer({
      database: databaseOptions(config, [ExampleLedger1763800000201]),
      transport: createTransport(config.kafka, config.startupTimeoutMs)!,
      topics: { prefix: config.topicPrefix, replies: config.replyTopic },
      beforeHandle: settings.beforeHandle,
    }),
    logger: output,
    abortOnError: false,
  });
  app.enableShutdownHooks();
  await app.listen();
  new Logger('Inventory').log(`Inventory service is running; Kafka at ${config.kafka.brokers.join(',')}, group ${config.kafka.groupId}`);
}

// Exit codes: 2 invalid configuration, 3 a dependency did not answer within STARTUP_TIMEOUT_MS, 1 anything else.
bootstrap().catch((error: unknown) => exitAfterFailedStart(error, 'Inventory', output));
