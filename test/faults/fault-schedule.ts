/** Timestamped lines of what the fault test did, written as they happen (stderr: jest does not buffer it). */
export class FaultLog {
  readonly lines: string[] = [];

  /** What "t+" counts from: the test's start, then the first order (see `restartClock`). */
  constructor(public t0 = Date.now()) {}

  /** Counts from now on. */
  restartClock(): void {
    this.t0 = Date.now();
  }

  /** Seconds since t0, e.g. "t+42.1s". */
  since(at: number): string {
    return `t+${((at - this.t0) / 1000).toFixed(1)}s`;
  }

  write(line: string): void {
    const now = Date.now();
    const text = `[${this.since(now)} ${new Date(now).toISOString()}] ${line}`;
    this.lines.push(text);
    process.stderr.write(`faults: ${text}\n`);
  }
}

/** A fault to inject `at` ms after the load started. */
export interface Fault {
  at: number;
  name: string;
  /** Injects it and brings the victim back; says when the victim went down and when it was back. */
  run: () => Promise<{ downAt: number; backAt: number }>;
}

/** What happened when a fault ran. */
export interface InjectedFault {
  name: string;
  plannedAt: number;
  downAt?: number;
  backAt?: number;
  error?: string;
}

/** When the next fault may hit: once the system works again after the last one, or after `maxWaitMs`. */
export interface RecoveryGate {
  /** Whether sagas move again since `since` (e.g. the host applied a reply and a participant an effect). */
  recovered: (since: number) => Promise<boolean>;
  maxWaitMs: number;
  /** No waiting after this time (ms since the epoch): the faults left then hit on schedule, so the run stays bounded. */
  until: number;
}

/**
 * Runs the faults in order, each at its time after `log.t0`, but never before
 * the system recovered from the fault before it (so each recovery can be
 * timed on its own), or `gate.maxWaitMs` passed, or `gate.until` came. A fault that fails is logged
 * and recorded; the next ones still run.
 */
export async function injectFaults(faults: readonly Fault[], log: FaultLog, gate: RecoveryGate): Promise<InjectedFault[]> {
  const injected: InjectedFault[] = [];
  for (const fault of faults) {
    const plannedAt = log.t0 + fault.at;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, plannedAt - Date.now())));
    log.write(`fault: ${fault.name}`);
    try {
      const { downAt, backAt } = await fault.run();
      injected.push({ name: fault.name, plannedAt, downAt, backAt });
      log.write(`fault over: ${fault.name} (down ${((backAt - downAt) / 1000).toFixed(1)} s)`);
      await awaitRecovery(gate, backAt, log);
    } catch (error) {
      injected.push({ name: fault.name, plannedAt, error: String(error) });
      log.write(`fault FAILED: ${fault.name}: ${String(error)}`);
    }
  }
  return injected;
}

async function awaitRecovery(gate: RecoveryGate, since: number, log: FaultLog): Promise<void> {
  const deadline = Math.min(Date.now() + gate.maxWaitMs, gate.until);
  while (Date.now() < deadline) {
    if (await gate.recovered(since).catch(() => false)) {
      log.write(`recovered: sagas move again, ${((Date.now() - since) / 1000).toFixed(1)} s after the victim was back`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  log.write(`not recovered ${((Date.now() - since) / 1000).toFixed(1)} s after the victim was back; the next fault hits anyway`);
}
