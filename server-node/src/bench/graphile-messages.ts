// The IPC contract between the benchmark and its graphile-worker child processes.

/** [job id, run_at in ms since the epoch (set by PostgreSQL at insert), start of the task function in ms]. */
export type JobStart = [id: string, runAtMs: number, startedAtMs: number];

/** Benchmark → worker process. */
export type ToRunner = { type: 'collect' } | { type: 'stop' };

/** Worker process → benchmark. */
export type FromRunner = { type: 'ready' } | { type: 'starts'; starts: JobStart[] } | { type: 'error'; message: string };

export interface RunnerConfig {
  connectionString: string;
  concurrency: number;
  /** Connections per process; the same as one Flotilla node holds, for a like-for-like fight. */
  maxPoolSize: number;
}
