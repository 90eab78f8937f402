/**
 * The shape of every event a saga machine receives from outside: the message
 * type as `type` and its validated payload. Timers arrive as XState's own
 * `xstate.after.*` events.
 */
export interface SagaEvent<TType extends string = string, TPayload = unknown> {
  readonly type: TType;
  readonly payload: TPayload;
}
