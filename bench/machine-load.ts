import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** CPU time over an interval: this process's, and the whole machine's where /proc/stat tells it (Linux). */
export interface CpuShare {
  /** This process, in percent of one core. */
  processPercent: number;
  /** Every process on the machine, in percent of one core (so up to cores × 100); undefined off Linux. */
  machinePercent?: number;
}

function machineTicks(): { busy: number; all: number } | undefined {
  if (!existsSync('/proc/stat')) return undefined;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1).map(Number);
  return { busy: user + nice + system + irq + softirq + steal, all: user + nice + system + idle + iowait + irq + softirq + steal };
}

/** Starts measuring; the returned function ends the interval and answers the shares. */
export function measureCpu(): () => CpuShare {
  const began = performance.now();
  const process0 = process.cpuUsage();
  const machine0 = machineTicks();
  return () => {
    const elapsedMs = performance.now() - began;
    const used = process.cpuUsage(process0);
    const machine1 = machineTicks();
    const share: CpuShare = { processPercent: round(((used.user + used.system) / 1000 / elapsedMs) * 100) };
    if (machine0 && machine1) share.machinePercent = round(((machine1.busy - machine0.busy) / (machine1.all - machine0.all)) * cpus().length * 100);
    return share;
  };
}

/** Peak and sampled resident set size of this process. */
export class RssSampler {
  peakBytes = process.memoryUsage.rss();
  private readonly timer = setInterval(() => this.sample(), 100);

  sample(): number {
    const rss = process.memoryUsage.rss();
    this.peakBytes = Math.max(this.peakBytes, rss);
    return rss;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** Resident set size and live JavaScript heap after a full garbage collection (run with --expose-gc; without it, as they are). */
export function settledMemory(): { rssMb: number; heapUsedMb: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { rssMb: Math.round(rss / 1024 / 1024), heapUsedMb: Math.round(heapUsed / 1024 / 1024) };
}

const round = (n: number) => Math.round(n * 10) / 10;
