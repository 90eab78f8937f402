import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SagaRegistry, defaultTopicNames, errorMessage } from '@baton/core';
import { asyncApiDocument } from '@baton/nest';
import { loadConfig } from './config/app.config';
import { loadExampleConfig } from './config/example.config';
import { hostAsyncApi } from './config/host-asyncapi';
import { hostTopics } from './config/host-topics';
import { exitCodeOf } from './failed-start';
import { hostSagas } from './host-sagas';

/**
 * `npm run asyncapi [file]`: writes the AsyncAPI document of the host's sagas
 * (what GET /asyncapi.json serves) to `file`, by default asyncapi.json in the
 * directory npm was run from. It reads the host's configuration as the host
 * does (TOPIC_PREFIX, REPLY_TOPIC, KAFKA_BROKERS as servers) and registers
 * the same sagas, but starts nothing: no database, no broker.
 */
function writeAsyncApi(args: string[]): void {
  const config = loadConfig(process.env);
  const example = loadExampleConfig(process.env);
  const document = asyncApiDocument(new SagaRegistry(hostSagas(example)), { ...hostAsyncApi(config), topics: defaultTopicNames(hostTopics(config)) });
  // npm runs scripts from the package's directory; INIT_CWD is where it was run from.
  const file = resolve(process.env.INIT_CWD ?? process.cwd(), args[0] ?? 'asyncapi.json');
  writeFileSync(file, JSON.stringify(document, null, 2) + '\n');
  process.stdout.write(`Wrote the AsyncAPI document of ${Object.keys(document.components.messages).length} messages to ${file}\n`);
}

try {
  writeAsyncApi(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`Could not write the AsyncAPI document: ${errorMessage(error)}\n`);
  // 2 for a variable that is set but wrong, as the host (failed-start.ts); 1 for anything else.
  process.exitCode = exitCodeOf(error);
}
