/** Injection tokens of what SagaModule provides to the rest of the app. */
export const BATON_DATA_SOURCE = Symbol('BATON_DATA_SOURCE');
export const BATON_TRANSPORT = Symbol('BATON_TRANSPORT');
export const BATON_TOPICS = Symbol('BATON_TOPICS');
/** The Prometheus registry served at GET /metrics (prom-client's `Registry`); an app may register its own metrics in it. */
export const BATON_METRICS_REGISTRY = Symbol('BATON_METRICS_REGISTRY');
