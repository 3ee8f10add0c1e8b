import type { Logger } from 'pino';
import type { Db } from '../sql/db.js';
import type { ClaimedTask } from '../sql/claim-tasks.js';
import { claimTasks } from '../sql/claim-tasks.js';
import type { TaskOutcome } from '../sql/finish-tasks.js';
import { cancelRequestedTasks, saveCheckpoint } from '../sql/finish-tasks.js';
import { attemptLogPath, TaskLogWriter } from '../tasks/task-log.js';
import type { TaskServices } from '../tasks/task-kind.js';
import { LeaseLostError, TaskFailure } from '../tasks/task-kind.js';
import { TASK_KINDS } from '../tasks/task-kinds.js';
import { CompletionBatcher } from './completion-batcher.js';
import type { NodeMetrics } from './node-metrics.js';

/** Why a running attempt was stopped from outside; decides what (if anything) the node records. */
export type StopReason = 'cancel' | 'fence' | 'lease-lost' | 'shutdown';

export class StopSignal extends Error {
  constructor(readonly reason: StopReason) {
    super(`stopped: ${reason}`);
  }
}

interface RunningTask {
  task: ClaimedTask;
  controller: AbortController;
  done: Promise<void>;
}

export interface WorkerOptions {
  db: Db;
  node: string;
  home: string;
  /** What every task attempt is handed: the node's pool, secret box and the current shared folder. */
  services: () => TaskServices;
  log: Logger;
  metrics: NodeMetrics;
  /** Whether the node may take work right now (running, not fenced, not stopping) and its cap. */
  capacity: () => { canClaim: boolean; taskCap: number };
  /** Why task logs cannot be written now (the shared folder is full or unusable), or null. */
  logStorageProblem: () => string | null;
  /** Whether `dir` is the cluster's shared folder (null) or what is wrong with it. */
  checkShared: (dir: string) => Promise<string | null>;
}

/**
 * Claims tasks up to the node's free slots and runs them. Claiming is single-flight: wake-ups that
 * arrive while a claim is in progress fold into one more claim right after it.
 */
export class Worker {
  readonly running = new Map<string, RunningTask>();
  private claiming = false;
  private claimAgain = false;
  private readonly completions: CompletionBatcher;
  /** Outcomes the database did not accept (it was unreachable); retried until written or the lease is gone. */
  private unrecorded: TaskOutcome[] = [];

  constructor(private readonly options: WorkerOptions) {
    this.completions = new CompletionBatcher(options.db);
  }

  wake(): void {
    if (this.claiming) {
      this.claimAgain = true;
      return;
    }
    void this.claimLoop();
  }

  private async claimLoop(): Promise<void> {
    this.claiming = true;
    try {
      do {
        this.claimAgain = false;
        const { canClaim, taskCap } = this.options.capacity();
        const free = taskCap - this.running.size;
        if (!canClaim || free <= 0) break;
        const claimed = await claimTasks(this.options.db, this.options.node, free);
        this.options.metrics.claims.inc({
          outcome: claimed.length === 0 ? 'empty' : claimed.length === free ? 'full' : 'partial',
        });
        for (const task of claimed) this.start(task);
        // A full batch suggests more is waiting; keep going while there are free slots.
        if (claimed.length > 0 && claimed.length === free) this.claimAgain = true;
      } while (this.claimAgain);
    } catch (error) {
      this.options.log.warn({ err: (error as Error).message }, 'claiming tasks failed');
    } finally {
      this.claiming = false;
    }
  }

  private start(task: ClaimedTask): void {
    const controller = new AbortController();
    const entry: RunningTask = { task, controller, done: Promise.resolve() };
    this.running.set(task.id, entry);
    this.options.metrics.pickup.observe((task.started_at.getTime() - task.queued_at.getTime()) / 1000);
    entry.done = this.execute(task, controller).finally(() => {
      this.running.delete(task.id);
      this.wake();
    });
  }

  private async execute(task: ClaimedTask, controller: AbortController): Promise<void> {
    const { db, node, log } = this.options;
    const services = this.options.services();
    // Nowhere to write the log: the attempt fails before it does anything, saying why.
    const storageProblem = this.options.logStorageProblem();
    if (storageProblem) {
      log.warn({ task: task.id, problem: storageProblem }, 'task not run: its log cannot be written');
      await this.record({
        id: task.id,
        leaseId: task.lease_id,
        state: 'failed',
        error: `${storageProblem}; this task did not run`,
      });
      return;
    }
    const logWriter = new TaskLogWriter(attemptLogPath(services.sharedDir, task.id, task.attempts), () =>
      this.options.checkShared(services.sharedDir),
    );
    let outcome: Omit<TaskOutcome, 'id' | 'leaseId'>;
    try {
      const kind = TASK_KINDS.get(task.kind);
      if (!kind) throw new TaskFailure(`this node (${node}) does not know task kind '${task.kind}'`);
      const parsed = kind.argsSchema.safeParse(task.args);
      if (!parsed.success) throw new TaskFailure(`invalid args: ${parsed.error.message}`);
      await kind.run({
        id: task.id,
        attempt: task.attempts,
        node,
        args: parsed.data,
        checkpoint: task.checkpoint,
        signal: controller.signal,
        log: logWriter,
        home: this.options.home,
        services,
        saveCheckpoint: async (checkpoint) => {
          if (!(await saveCheckpoint(db, task.id, task.lease_id, checkpoint))) {
            controller.abort(new StopSignal('lease-lost'));
            throw new LeaseLostError(task.id);
          }
        },
      });
      outcome = { state: 'succeeded', error: null };
    } catch (error) {
      const reason = controller.signal.aborted ? (controller.signal.reason as StopSignal).reason : null;
      if (reason && reason !== 'cancel') {
        // Fenced, shut down or taken over: the node must not write; recovery decides the task's fate.
        logWriter.line(`── this attempt was stopped on ${node}: ${reason} ──`);
        await logWriter.close();
        log.info({ task: task.id, reason }, 'task attempt stopped');
        return;
      }
      if (reason === 'cancel') {
        logWriter.line(`── canceled ──`);
        outcome = { state: 'canceled', error: 'canceled' };
      } else {
        const message =
          error instanceof TaskFailure ? error.message : String((error as Error).message ?? error);
        logWriter.line(`── failed: ${message} ──`);
        outcome = { state: 'failed', error: message };
      }
    }
    const logError = await logWriter.close();
    if (logError) {
      log.warn({ task: task.id, err: logError.message }, 'could not write the task log to shared storage');
      // Its log is the record of what a task did: without it, success cannot be shown.
      if (outcome.state === 'succeeded')
        outcome = {
          state: 'failed',
          error:
            `the task log could not be written to shared storage (${logError.message}); the task's work ` +
            `may have run: check before retrying`,
        };
    }
    await this.record({ id: task.id, leaseId: task.lease_id, ...outcome });
  }

  private async record(outcome: TaskOutcome): Promise<void> {
    try {
      const held = await this.completions.add(outcome);
      this.options.metrics.finished.inc({ state: held ? outcome.state : 'lease-lost' });
      if (!held) this.options.log.warn({ task: outcome.id }, 'task finished but its lease was taken over');
    } catch (error) {
      this.options.log.warn(
        { task: outcome.id, err: (error as Error).message },
        'could not record outcome; will retry',
      );
      this.unrecorded.push(outcome);
    }
  }

  /** Called after each successful heartbeat: writes outcomes that failed to reach the database. */
  async retryUnrecorded(): Promise<void> {
    const outcomes = this.unrecorded;
    this.unrecorded = [];
    for (const outcome of outcomes) await this.record(outcome);
  }

  /** Stops the given tasks if this node runs them. */
  stop(ids: Iterable<string>, reason: StopReason): void {
    for (const id of ids) this.running.get(id)?.controller.abort(new StopSignal(reason));
  }

  stopAll(reason: StopReason): void {
    this.stop(this.running.keys(), reason);
  }

  async checkCancelRequests(): Promise<void> {
    const ids = await cancelRequestedTasks(this.options.db, this.options.node);
    this.stop(ids, 'cancel');
  }

  async settled(): Promise<void> {
    await Promise.all([...this.running.values()].map((entry) => entry.done));
  }
}
