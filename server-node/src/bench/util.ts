import { setTimeout as sleep } from 'node:timers/promises';

// Small helpers shared by the benchmark's phases. Everything human-readable goes to stderr, because
// stdout carries exactly one JSON object for whoever runs the benchmark.

/** Wall-clock time on every line, so a slow phase can be matched with what else ran on the machine. */
export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 23)}] ${message}\n`);
}

/** Polls `check` until it returns a value other than null/undefined/false; throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | null | undefined | false>,
  { timeoutMs = 60_000, intervalMs = 25 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== null && value !== undefined && value !== false) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Nearest-rank percentile (p in 0..100), rounded to 0.1 ms; NaN for no samples. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return round1(sorted[rank - 1]!);
}

export function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

/**
 * Teardown steps, run newest first, each at most once, every one attempted even when an earlier
 * one fails: a benchmark that dies halfway must still leave no node, worker or PostgreSQL behind.
 */
export class Cleanup {
  private steps: { name: string; run: () => Promise<unknown> }[] = [];
  private running: Promise<void> | null = null;

  add(name: string, run: () => Promise<unknown>): void {
    this.steps.push({ name, run });
  }

  /** A second caller (a signal arriving during the normal teardown, or the reverse) waits for the first. */
  runAll(): Promise<void> {
    this.running ??= this.runSteps();
    return this.running;
  }

  private async runSteps(): Promise<void> {
    const steps = this.steps.reverse();
    this.steps = [];
    for (const step of steps) {
      try {
        await step.run();
      } catch (error) {
        log(`cleanup '${step.name}' failed: ${(error as Error).message}`);
      }
    }
  }
}

/**
 * A benchmark's whole life: `body` runs with a Cleanup whose steps run however it ends — done,
 * failed, Ctrl+C or a kill (exit 130) — and the exit code says which. A failure is logged with its
 * stack, then `onFailure` may add what helps (the tails of the nodes' logs).
 */
export function runBenchmark(body: (cleanup: Cleanup) => Promise<void>, onFailure?: () => void): void {
  const cleanup = new Cleanup();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void cleanup.runAll().finally(() => process.exit(130)));
  }
  void body(cleanup)
    .then(
      () => 0,
      (error: unknown) => {
        log(`failed: ${(error as Error).stack ?? String(error)}`);
        onFailure?.();
        return 1;
      },
    )
    .then(async (code) => {
      await cleanup.runAll();
      process.exit(code);
    });
}
