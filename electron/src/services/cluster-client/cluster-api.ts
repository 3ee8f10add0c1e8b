import {
  CLUSTER_PATH,
  DIRECTORY_SETTINGS_PATH,
  DIRECTORY_TEST_PATH,
  DIAGNOSTICS_PATH,
  EVENTS_PATH,
  SUPPORT_BUNDLE_PATH,
  ME_PATH,
  NODES_PATH,
  PACKAGES_PATH,
  TASKS_PATH,
  nodeLogPath,
  nodePath,
  packageDownloadPath,
  taskCancelPath,
  taskLogPath,
  taskPath,
  taskRetryPath,
  tasksPath,
  type BalancerAdminState,
  type BalancerServerDto,
  type BalancerStatsDto,
  type CancelTaskResultDto,
  type ClusterDto,
  type CreateTaskRequest,
  type CreateTaskResultDto,
  type DirectorySettingsDto,
  type DirectorySettingsInput,
  type DirectoryTestInput,
  type DirectoryTestResultDto,
  type DiagnosticsDto,
  type SupportBundleRequest,
  type MeDto,
  type NodeDto,
  type PackageDto,
  type TaskDetailDto,
  type TaskDto,
  type TaskListQuery,
  type UpdateClusterRequest,
  type UpdateNodeRequest,
} from '@flotilla/server-node/api';
import { readBuiltinBalancerStats, setBuiltinBalancerServerState } from './builtin-balancer-api.js';
import type { ClusterHttp } from './cluster-http.js';
import { ClusterRequestError } from './cluster-request-error.js';

/**
 * The cluster's HTTP API, one method per endpoint, on ClusterHttp's failover (the balancer, then the
 * nodes). Paths, bodies and answers are the server's own (`server-node/src/api`): no other code in the
 * console spells an `/api/` path.
 */
export class ClusterApi {
  constructor(readonly http: ClusterHttp) {}

  listNodes(): Promise<NodeDto[]> {
    return this.http.json('GET', NODES_PATH);
  }

  /** The node as the cluster lists it; null when the cluster has no such node. */
  findNode(name: string): Promise<NodeDto | null> {
    return this.http.json<NodeDto>('GET', nodePath(name)).catch((error: unknown) => {
      if (error instanceof ClusterRequestError && error.status === 404) return null;
      throw error;
    });
  }

  /** Drain: the node finishes its tasks, takes no new one, and its ping answers 503 so balancers skip it. */
  setDrain(name: string, drain: boolean): Promise<NodeDto> {
    return this.updateNode(name, { drain });
  }

  setTaskCap(name: string, taskCap: number): Promise<NodeDto> {
    return this.updateNode(name, { taskCap });
  }

  /** Only an offline or dead node can be deleted (409 otherwise). */
  async deleteNode(name: string): Promise<null> {
    await this.http.json<null>('DELETE', nodePath(name));
    return null;
  }

  /** A node's own log, its last `lines` lines (any node forwards it to the owner). */
  nodeLog(name: string, lines: number): Promise<string> {
    return this.http.text(nodeLogPath(name, { lines }));
  }

  /** A node's log as it is written, after its last `lines`; the body lasts until `signal` aborts. */
  async followNodeLog(name: string, lines: number, signal: AbortSignal): Promise<Response> {
    const path = nodeLogPath(name, { lines, follow: true });
    const { response } = await this.http.stream(path, { accept: 'text/plain' }, signal);
    return response;
  }

  getCluster(): Promise<ClusterDto> {
    return this.http.json('GET', CLUSTER_PATH);
  }

  /** The cluster check: every live node's self-check and the findings (administrator). */
  diagnostics(): Promise<DiagnosticsDto> {
    return this.http.json('GET', DIAGNOSTICS_PATH);
  }

  /** The support bundle (a zip), with the balancer's stats the console read added to it. */
  supportBundle(balancer: BalancerStatsDto | null): Promise<Buffer> {
    return this.http.bytes('POST', SUPPORT_BUNDLE_PATH, { balancer } satisfies SupportBundleRequest);
  }

  /** Pauses or resumes the queue, cluster-wide. */
  setPaused(paused: boolean): Promise<ClusterDto> {
    return this.http.json('PATCH', CLUSTER_PATH, { paused } satisfies UpdateClusterRequest);
  }

  listTasks(query: TaskListQuery = {}): Promise<TaskDto[]> {
    return this.http.json('GET', tasksPath(query));
  }

  getTask(id: string): Promise<TaskDetailDto> {
    return this.http.json('GET', taskPath(id));
  }

  createTask(input: CreateTaskRequest): Promise<CreateTaskResultDto> {
    return this.http.json('POST', TASKS_PATH, input);
  }

  cancelTask(id: string): Promise<CancelTaskResultDto> {
    return this.http.json('POST', taskCancelPath(id));
  }

  retryTask(id: string): Promise<TaskDto> {
    return this.http.json('POST', taskRetryPath(id));
  }

  /** The task's whole log so far (every attempt's, stitched). */
  taskLog(id: string): Promise<string> {
    return this.http.text(taskLogPath(id));
  }

  /** The task's log as it is written; the body ends when the task does. */
  async followTaskLog(id: string, signal: AbortSignal): Promise<Response> {
    const { response } = await this.http.stream(
      taskLogPath(id, { follow: true }),
      { accept: 'text/plain' },
      signal,
    );
    return response;
  }

  /** The package feed: every package and version, with its sha256. */
  listPackages(): Promise<PackageDto[]> {
    return this.http.json('GET', PACKAGES_PATH);
  }

  /** A package's archive as it streams; the feed's sha256 of it is in `x-checksum-sha256`. */
  async downloadPackage(id: string, version: string, signal: AbortSignal): Promise<Response> {
    const { response } = await this.http.stream(packageDownloadPath(id, version), {}, signal);
    return response;
  }

  /** The event stream (SSE), resumed after `lastEventId`; `url` is the endpoint that answered. */
  events(lastEventId: string | null, signal: AbortSignal): Promise<{ response: Response; url: string }> {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (lastEventId !== null) headers['last-event-id'] = lastEventId;
    return this.http.stream(EVENTS_PATH, headers, signal);
  }

  /** Directory sign-in settings (administrator); the bind password is never sent back. */
  getDirectorySettings(): Promise<DirectorySettingsDto> {
    return this.http.json('GET', DIRECTORY_SETTINGS_PATH);
  }

  setDirectorySettings(settings: DirectorySettingsInput): Promise<DirectorySettingsDto> {
    return this.http.json('PUT', DIRECTORY_SETTINGS_PATH, settings);
  }

  /** Binds with `input.settings`, finds `input.username`: their groups and the role they would get. */
  testDirectorySettings(input: DirectoryTestInput): Promise<DirectoryTestResultDto> {
    return this.http.json('POST', DIRECTORY_TEST_PATH, input);
  }

  /** Who the API key belongs to, and its role. */
  me(): Promise<MeDto> {
    return this.http.json('GET', ME_PATH);
  }

  /** The built-in balancer's figures; null when the cluster URL answers without them (a node, nginx…). */
  balancerStats(): Promise<BalancerStatsDto | null> {
    return readBuiltinBalancerStats(this.http);
  }

  /** Sets a member's admin state on the built-in balancer; returns the member as it then reports it. */
  setBalancerServerState(name: string, state: BalancerAdminState): Promise<BalancerServerDto> {
    return setBuiltinBalancerServerState(this.http, name, state);
  }

  private updateNode(name: string, change: UpdateNodeRequest): Promise<NodeDto> {
    return this.http.json('PATCH', nodePath(name), change);
  }
}
