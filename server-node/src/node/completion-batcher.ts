import type { Db } from '../sql/db.js';
import type { TaskOutcome } from '../sql/finish-tasks.js';
import { finishTasks } from '../sql/finish-tasks.js';

/**
 * Group commit for task completions: while one write is in flight, finished tasks wait and go
 * together in the next one. Under load this turns many small transactions into a few large ones;
 * when idle, a completion is written at once.
 */
export class CompletionBatcher {
  private pending: {
    outcome: TaskOutcome;
    resolve: (held: boolean) => void;
    reject: (e: unknown) => void;
  }[] = [];
  private flushing = false;

  constructor(private readonly db: Db) {}

  /** Resolves true when the outcome was recorded, false when the lease had been taken over. */
  add(outcome: TaskOutcome): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.pending.push({ outcome, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      try {
        const recorded = await finishTasks(
          this.db,
          batch.map((entry) => entry.outcome),
        );
        for (const entry of batch) entry.resolve(recorded.has(entry.outcome.id));
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    this.flushing = false;
  }
}
