/** How the example participants misbehave, for demos and tests. */
export class ExampleSettings {
  constructor(
    /** Share of commands refused at random, 0..1. */
    readonly failureRate = 0,
    /** Delay before each command is handled, in ms, outside any transaction. */
    readonly latencyMs = 0,
  ) {}

  /** True for a command to refuse at random. */
  unlucky(): boolean {
    return this.failureRate > 0 && Math.random() < this.failureRate;
  }

  /** ParticipantModule's beforeHandle hook that applies the latency. */
  get beforeHandle(): (() => Promise<void>) | undefined {
    const ms = this.latencyMs;
    return ms > 0 ? () => new Promise<void>((resolve) => setTimeout(resolve, ms)) : undefined;
  }
}
