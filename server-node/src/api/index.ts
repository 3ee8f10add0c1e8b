// The wire contract of a server node: every DTO and event the HTTP API sends, and the path of every
// route the console calls (nodes.ts, cluster.ts, tasks.ts, events.ts, auth.ts, balancer.ts) with what
// it takes. The routes register these paths and the console's cluster client builds its URLs with
// them. Nothing here may import from the rest of the server.

import type { MaintenanceDto } from './migration.js';
import type { SchemaStateDto } from './schema.js';
import type { TaskState } from './tasks.js';

export type NodeState = 'running' | 'draining' | 'offline' | 'dead';

export interface PingDto {
  name: string;
  /** `unhealthy`: the node runs but cannot serve (database unreachable, pool exhausted, shared folder unusable). */
  state: 'starting' | 'running' | 'draining' | 'stopping' | 'fenced' | 'unhealthy';
  version: string;
  /** For `fenced` and `unhealthy`: what is wrong, in a sentence that says what to check. */
  reason?: string;
}

export interface NodeDto {
  name: string;
  url: string;
  version: string;
  state: NodeState;
  lastSeen: string;
  /** Seconds since the last heartbeat, measured on the database clock. */
  lastSeenAgeMs: number;
  taskCap: number;
  runningTasks: number;
  startedAt: string;
  rssBytes: number;
  /** CPU used by the node process over the last heartbeat interval, 0..1 per core. */
  cpu: number;
}

export interface ClusterDto {
  clusterId: string;
  queue: { queued: number; executing: number };
  paused: boolean;
  leader: string | null;
  schemaVersion: number;
  /** The schema's migrations: applied, under way, and contracts waiting for old nodes (and which). */
  schema: SchemaStateDto;
  sharedDir: string;
  settings: ClusterSettings;
  /** Set while the cluster is in maintenance: non-administrator writes get 503 `maintenance: <reason>`. */
  maintenance: MaintenanceDto | null;
}

export interface ClusterSettings {
  heartbeatMs: number;
  offlineAfterMs: number;
  deadAfterMs: number;
  fenceAfterMs: number;
  pollMs: number;
  leaderTtlMs: number;
  sweepMs: number;
  eventRetentionHours: number;
  /** The most bytes a package may extract to, all entries together (default 4 GiB). */
  packageMaxBytes: number;
  /** The most entries (files and folders) a package may hold (default 100 000). */
  packageMaxEntries: number;
  /** GET /metrics: `key` needs any valid API key (the default), `public` needs none, `off` answers 404. */
  metrics: MetricsAccess;
}

export type MetricsAccess = 'public' | 'key' | 'off';

export interface TaskDto {
  id: string;
  kind: string;
  description: string | null;
  /** Empty when `argsRedacted`. */
  args: Record<string, unknown>;
  /** The caller's role may not read this kind's args (a script's text: deployers and up). */
  argsRedacted: boolean;
  state: TaskState;
  node: string | null;
  attempts: number;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  cancelRequested: boolean;
  /** When the cancel was first asked for (from 0.2.0; builds of 0.1.x say null). */
  cancelRequestedAt: string | null;
}

export interface TaskAttemptDto {
  attempt: number;
  node: string;
  startedAt: string;
  finishedAt: string | null;
  outcome: 'running' | 'succeeded' | 'failed' | 'canceled' | 'lost' | 'aborted';
  note: string | null;
}

export interface TaskDetailDto extends TaskDto {
  attemptsDetail: TaskAttemptDto[];
}

export interface CreateTaskResultDto {
  id: string;
}

/** POST /api/tasks/:id/cancel: a queued task is canceled at once; an executing one is asked to stop. */
export interface CancelTaskResultDto {
  outcome: 'canceled' | 'cancel-requested';
  task: TaskDto;
}

/** One row of the events table, as `/api/events` streams it (the SSE id is `seq`). */
export interface EventDto {
  seq: string;
  at: string;
  type: EventType;
  data: Record<string, unknown>;
}

export type EventType =
  | 'node.joined'
  | 'node.state'
  | 'node.updated'
  | 'node.deleted'
  | 'cluster.updated'
  | 'task.queued'
  | 'task.started'
  | 'task.finished'
  | 'task.recovered'
  | 'task.cancel-requested';

export interface ErrorDto {
  error: string;
  /** For validation errors: which field was wrong and why. */
  issues?: { path: string; message: string }[];
}

export type {
  BalancerAdminState,
  BalancerCheckStatus,
  BalancerServerDto,
  BalancerStatsDto,
} from './balancer.js';

export type * from './domain.js';

export { BALANCER_STATS_PATH, balancerServerPath } from './balancer.js';

export { ME_PATH } from './auth.js';
export {
  DIRECTORY_SETTINGS_PATH,
  DIRECTORY_TEST_PATH,
  DIRECTORY_USER_FILTERS,
  type DirectoryGroupLookup,
  type DirectoryGroupRoleDto,
  type DirectorySettingsDto,
  type DirectorySettingsInput,
  type DirectoryTestInput,
  type DirectoryTestResultDto,
} from './directory.js';
export { CLUSTER_PATH, type UpdateClusterRequest } from './cluster.js';
export {
  DIAGNOSTICS_PATH,
  NODE_SELF_CHECK_ROUTE,
  SUPPORT_BUNDLE_PATH,
  balancerFindings,
  nodeSelfCheckPath,
  sortFindings,
  type DiagnosticFinding,
  type DiagnosticsDto,
  type DiagnosticsNodeDto,
  type FindingSeverity,
  type NodeSelfCheckDto,
  type SupportBundleRequest,
} from './diagnostics.js';
export { EVENTS_PATH } from './events.js';
export {
  NODES_PATH,
  NODE_LOG_ROUTE,
  NODE_PING_PATH,
  NODE_ROUTE,
  nodeLogPath,
  nodePath,
  type UpdateNodeRequest,
} from './nodes.js';
export { PACKAGES_PATH, packageDownloadPath, packagePath } from './packages.js';
export {
  TASKS_PATH,
  TASK_CANCEL_ROUTE,
  TASK_LOG_ROUTE,
  TASK_RETRY_ROUTE,
  TASK_ROUTE,
  TASK_IDS_MAX,
  TASK_LIST_MAX,
  TERMINAL_TASK_STATES,
  taskCancelPath,
  taskLogPath,
  taskPath,
  taskRetryPath,
  tasksPath,
  type CreateTaskRequest,
  type TaskListQuery,
  type TaskState,
} from './tasks.js';

export type { Action, Role } from './roles.js';
export { ACTION_ROLES, ROLES, hasRole } from './roles.js';

export * from './migration.js';
export * from './schema.js';
