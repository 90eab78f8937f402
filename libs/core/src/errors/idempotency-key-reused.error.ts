/** An idempotency key that already started a saga, sent again with a different input. */
export class IdempotencyKeyReusedError extends Error {
  constructor(
    readonly sagaName: string,
    readonly idempotencyKey: string,
    readonly existingSagaId: string,
  ) {
    super(
      `Idempotency-Key "${idempotencyKey}" already started saga "${sagaName}" instance ${existingSagaId} ` +
        `with a different input. Use a new key for a new saga, or resend the original input.`,
    );
    this.name = 'IdempotencyKeyReusedError';
  }
}
