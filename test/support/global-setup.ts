import { buildHost } from './host-process';
import { broker, brokerAnswers } from './kafka-broker';

/**
 * Before any suite: compile the host and the participants (the process
 * suites run them), and make sure a Kafka broker runs: the project's own
 * (`npm run kafka:start`) is started here if none answers and TEST_KAFKA_BROKERS
 * names no other, and stopped again by the teardown.
 */
export default async function globalSetup(): Promise<void> {
  buildHost();
  if (!process.env.TEST_KAFKA_BROKERS && !(await brokerAnswers())) {
    broker('start');
    process.env.BATON_TEST_STARTED_KAFKA = '1';
  }
}
