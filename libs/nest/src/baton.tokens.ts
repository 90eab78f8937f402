// Injection tokens of what SagaModule provides to the rest of the app.

/** The TypeORM `DataSource` SagaModule keeps sagas in: inject it to share Baton's database (a participant's tables, say). */
export const BATON_DATA_SOURCE = Symbol('BATON_DATA_SOURCE');
/** The `Transport` (from @baton/core) SagaModule publishes commands on and consumes replies from; SagaModule starts and closes it. */
export const BATON_TRANSPORT = Symbol('BATON_TRANSPORT');
/** The `TopicNames` (from @baton/core) SagaModule uses, made from its `topics` option. */
export const BATON_TOPICS = Symbol('BATON_TOPICS');
/** The Prometheus registry served at GET /metrics (prom-client's `Registry`); an app may register its own metrics in it. */
export const BATON_METRICS_REGISTRY = Symbol('BATON_METRICS_REGISTRY');
