/** The live stream of committed steps (GET /sagas/events). */
export interface SagaEventsOptions {
  /** How often an idle stream gets a `: keep-alive` comment. @default 15000 */
  keepAliveMs?: number;
  /** The `retry:` hint sent to clients: how long to wait before reconnecting. @default 2000 */
  retryMs?: number;
  /** Events a client may have waiting (its socket not taking them) before it is dropped with a final `dropped` event. @default 1000 */
  maxQueuedEvents?: number;
  /** Missed events a reconnecting client (Last-Event-ID) is sent at most; beyond that it gets a `reload` event. @default 1000 */
  maxReplayedEvents?: number;
}
