// The task routes (server-node/src/http/routes/task-routes.ts): their paths, which the routes
// register and the console's cluster client builds its URLs with, and what they take.

export type TaskState = 'queued' | 'executing' | 'succeeded' | 'failed' | 'canceled';
export const TERMINAL_TASK_STATES: readonly TaskState[] = ['succeeded', 'failed', 'canceled'];

/** GET ?TaskListQuery → TaskDto[] · POST CreateTaskRequest → 201 CreateTaskResultDto. */
export const TASKS_PATH = '/api/tasks';
/** GET → TaskDetailDto. */
export const TASK_ROUTE = '/api/tasks/:id';
/** POST → CancelTaskResultDto. */
export const TASK_CANCEL_ROUTE = '/api/tasks/:id/cancel';
/** POST → TaskDto (failed or canceled tasks only). */
export const TASK_RETRY_ROUTE = '/api/tasks/:id/retry';
/** GET → the log as text/plain; with `?follow=1` it streams until the task ends. */
export const TASK_LOG_ROUTE = '/api/tasks/:id/log';

/** The most tasks one GET /api/tasks returns: the console lists this many (about 2.5 MB of JSON). */
export const TASK_LIST_MAX = 10_000;
/** The most ids one GET /api/tasks?ids= may name (the console asks for the tasks its events named). */
export const TASK_IDS_MAX = 500;

/** GET /api/tasks: every field narrows the list; the newest `limit` tasks (default 100, at most TASK_LIST_MAX). */
export interface TaskListQuery {
  state?: TaskState | undefined;
  /** The node running the task, or that last ran it. */
  node?: string | undefined;
  kind?: string | undefined;
  /** Only these tasks (at most TASK_IDS_MAX; sent comma-separated); those that no longer exist are left out. */
  ids?: readonly string[] | undefined;
  limit?: number | undefined;
}

/** POST /api/tasks. `deploy` and `retention` tasks are queued by their own routes. */
export interface CreateTaskRequest {
  kind: string;
  args?: Record<string, unknown> | undefined;
  description?: string | undefined;
}

export function tasksPath(query: TaskListQuery = {}): string {
  const params = new URLSearchParams();
  if (query.state) params.set('state', query.state);
  if (query.node) params.set('node', query.node);
  if (query.kind) params.set('kind', query.kind);
  if (query.ids) params.set('ids', query.ids.join(','));
  if (query.limit !== undefined) params.set('limit', String(query.limit));
  const search = params.toString();
  return search ? `${TASKS_PATH}?${search}` : TASKS_PATH;
}

export const taskPath = (id: string): string => `${TASKS_PATH}/${encodeURIComponent(id)}`;
export const taskCancelPath = (id: string): string => `${taskPath(id)}/cancel`;
export const taskRetryPath = (id: string): string => `${taskPath(id)}/retry`;
export const taskLogPath = (id: string, options: { follow?: boolean } = {}): string =>
  `${taskPath(id)}/log${options.follow ? '?follow=1' : ''}`;
