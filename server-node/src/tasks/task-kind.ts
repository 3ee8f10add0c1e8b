import type pg from 'pg';
import type { z } from 'zod';
import type { Role } from '../api/roles.js';
import type { SecretBox } from '../crypto/secret-box.js';
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
  /** The node's own services, handed in by the worker so no task opens a pool or reads the config. */
  services: TaskServices;
  /** Persists progress; throws LeaseLostError when another node owns the task now. */
  saveCheckpoint(checkpoint: unknown): Promise<void>;
}

/** What domain task kinds (deploy, health-check, retention) need beyond their own context. */
export interface TaskServices {
  /** The node's main pool: tasks share it with the API, so a node's connections stay bounded. */
  db: pg.Pool;
  secrets: SecretBox;
  /** The cluster's shared folder as the node knows it when the attempt starts. */
  sharedDir: string;
}

export interface TaskKind<Args = unknown> {
  name: string;
  argsSchema: z.ZodType<Args>;
  /**
   * The least role that may read this kind's args through the API, events and portal; anyone below
   * sees the task with its args redacted (`argsRedacted`). A script's text can hold what its author
   * typed into it, passwords included, so it is for deployers and up.
   */
  argsRole: Role;
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
