import type { z } from 'zod';
import type { TaskLogWriter } from './task-log.js';

/** What node loss means for a kind (DESIGN.md "Recovery"). */
export type NodeLossPolicy = 'resume' | 'requeue' | 'fail';

export interface TaskContext<Args> {
  id: string;
  attempt: number;
  node: string;
  args: Args;
  /** The progress saved by an earlier attempt of a resumable task, or null. */
  checkpoint: unknown;
  /** Aborted on cancel, on fencing, on lost lease and on node shutdown. */
  signal: AbortSignal;
  log: TaskLogWriter;
  /** The node's home directory, for local scratch files. */
  home: string;
  /** Persists progress; throws LeaseLostError when another node owns the task now. */
  saveCheckpoint(checkpoint: unknown): Promise<void>;
}

export interface TaskKind<Args = unknown> {
  name: string;
  argsSchema: z.ZodType<Args>;
  onNodeLoss: NodeLossPolicy;
  run(context: TaskContext<Args>): Promise<void>;
}

export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
  constructor(taskId: string) {
    super(`task ${taskId}: this node no longer holds its lease`);
  }
}

/** Thrown by a task to fail with a message meant for the user (no stack in the task's error). */
export class TaskFailure extends Error {
  override name = 'TaskFailure';
}
