import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

// Where the CPU goes during a phase: the queue's own processes versus PostgreSQL. On a 2-core
// machine this says more than wall time alone (a queue can be slow because its client burns CPU
// or because its SQL does). Linux only; elsewhere every figure reads 0.

/** Linux reports utime/stime in clock ticks; USER_HZ is 100 on every mainstream kernel build. */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  ppid: number;
  cpuTicks: number;
}

function readStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; the fields after its closing parenthesis don't.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), cpuTicks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

/** The given process and all its direct children (PostgreSQL backends are children of the postmaster). */
export function withChildren(pid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [pid];
  }
  const children = entries
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((candidate) => readStat(candidate)?.ppid === pid);
  return [pid, ...children];
}

/** CPU seconds used so far by processes that are alive now. */
function cpuSeconds(pids: readonly number[]): Map<number, number> {
  const result = new Map<number, number>();
  for (const pid of pids) {
    const stat = readStat(pid);
    if (stat) result.set(pid, stat.cpuTicks / TICKS_PER_SECOND);
  }
  return result;
}

/**
 * Measures CPU per named group of processes between start() and stop(). A process that exits
 * during the phase is not counted, which is fine for long-lived nodes, workers and backends.
 */
export class CpuMeter {
  private before = new Map<string, Map<number, number>>();
  private startedAt = 0;

  constructor(private readonly groups: Record<string, () => number[]>) {}

  start(): void {
    this.startedAt = performance.now();
    this.before = new Map(Object.entries(this.groups).map(([name, pids]) => [name, cpuSeconds(pids())]));
  }

  /** "name 1.20 s, name 3.40 s over 2.00 s wall (…)" */
  stop(): string {
    const wallSeconds = (performance.now() - this.startedAt) / 1000;
    const parts = Object.entries(this.groups).map(([name, pids]) => {
      const before = this.before.get(name) ?? new Map<number, number>();
      let used = 0;
      for (const [pid, seconds] of cpuSeconds(pids())) used += seconds - (before.get(pid) ?? 0);
      return `${name} ${used.toFixed(2)} s`;
    });
    const cores = availableParallelism();
    return `${parts.join(', ')} over ${wallSeconds.toFixed(2)} s wall (${cores} cores = ${(wallSeconds * cores).toFixed(2)} CPU s)`;
  }
}
