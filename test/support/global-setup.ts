import { buildHost } from './host-process';
import { broker, brokerIsUp } from './kafka-broker';

/**
 * Before any suite: compile the host and the participants (the process
 * suites run them), and make sure a Kafka broker runs: the project's own
 * (`npm run kafka:start`) is started here if none answers and TEST_KAFKA_BROKERS
 * names no other, and stopped again by the teardown.
 */
export default function globalSetup(): void {
  buildHost();
  if (!process.env.TEST_KAFKA_BROKERS && !brokerIsUp()) {
    broker('start');
    process.env.BATON_TEST_STARTED_KAFKA = '1';
  }
}
