// The IPC contract between the benchmark and its graphile-worker child processes.

/**
 * When a job became due (run_at, PostgreSQL's clock at insert), when a worker claimed it (locked_at,
 * PostgreSQL's clock in the claiming statement) and when the task function started (the worker's
 * clock), all in ms since the epoch.
 */
export type JobStart = [id: string, runAtMs: number, lockedAtMs: number, functionStartMs: number];

/**
 * locked_at − run_at: the same definition as Flotilla's started_at − queued_at (both taken by
 * PostgreSQL, in the insert and in the claiming statement), so the two pickups compare directly.
 */
export function claimPickupMs(start: JobStart): number {
  return start[2] - start[1];
}

/** Until the task function ran: the claim plus the round trip and the worker's own dispatch. */
export function functionPickupMs(start: JobStart): number {
  return start[3] - start[1];
}

/** Benchmark → worker process. */
export type ToRunner = { type: 'collect' } | { type: 'stop' };

/** Worker process → benchmark. */
export type FromRunner =
  { type: 'ready' } | { type: 'starts'; starts: JobStart[] } | { type: 'error'; message: string };

export interface RunnerConfig {
  connectionString: string;
  concurrency: number;
  /** Connections per process; the same as one Flotilla node holds, for a like-for-like fight. */
  maxPoolSize: number;
}
