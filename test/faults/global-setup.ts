import { buildHost } from '../support/host-process';

/**
 * Before the fault test: compile the host and the participants, which it runs
 * as processes. Unlike the main suite's setup it starts no shared broker: the
 * fault test runs a broker (and a PostgreSQL cluster) of its own.
 */
export default function globalSetup(): void {
  buildHost();
}
