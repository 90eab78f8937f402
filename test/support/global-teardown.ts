import { broker } from './kafka-broker';

/** Stops the broker if the setup started it. */
export default function globalTeardown(): void {
  if (process.env.BATON_TEST_STARTED_KAFKA) broker('stop');
}
