import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The registry of one app, with Node's process metrics (CPU, memory, event
 * loop lag, GC) in it. Not prom-client's global registry: two apps in one
 * process (tests, say) each count their own.
 */
export function createBatonMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
