import type {
  EnvironmentDto,
  PackageDto,
  ProjectDto,
  ReleaseDto,
  StepDto,
  TargetDto,
  TaskDto,
} from '../api/index.js';
import type { TestCluster } from './test-cluster.js';

// Small helpers that create domain objects through the API and fail loudly when the API refuses.

async function created<T>(cluster: TestCluster, method: string, path: string, body: unknown): Promise<T> {
  const response = await cluster.api<T>(method, path, body, { node: liveNode(cluster) });
  if (response.status !== 201 && response.status !== 200) {
    throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
  }
  return response.body;
}

function liveNode(cluster: TestCluster): string {
  for (const node of cluster.nodes.values())
    if (node.child.exitCode === null && node.child.signalCode === null) return node.name;
  throw new Error('no live node');
}

export function createEnvironment(cluster: TestCluster, name: string): Promise<EnvironmentDto> {
  return created(cluster, 'POST', '/api/environments', { name });
}

export function createProject(
  cluster: TestCluster,
  name: string,
  process: StepDto[] | object[],
): Promise<ProjectDto> {
  return created(cluster, 'POST', '/api/projects', { name, process });
}

export function createTarget(cluster: TestCluster, body: object): Promise<TargetDto> {
  return created(cluster, 'POST', '/api/targets', body);
}

export async function uploadPackage(
  cluster: TestCluster,
  id: string,
  version: string,
  archive: Buffer,
): Promise<{ status: number; body: PackageDto & { error?: string } }> {
  const node = cluster.node(liveNode(cluster));
  const response = await fetch(
    `${node.url}/api/packages/${encodeURIComponent(id)}/${encodeURIComponent(version)}`,
    {
      method: 'PUT',
      headers: { authorization: `Bearer ${cluster.apiKey}`, 'content-type': 'application/octet-stream' },
      body: archive,
    },
  );
  return { status: response.status, body: (await response.json()) as PackageDto & { error?: string } };
}

export function createRelease(
  cluster: TestCluster,
  projectId: string,
  version: string,
  packages: Record<string, string> = {},
): Promise<ReleaseDto> {
  return created(cluster, 'POST', `/api/projects/${projectId}/releases`, { version, packages });
}

export function deploy(
  cluster: TestCluster,
  releaseId: string,
  environmentId: string,
): Promise<{ id: string; taskId: string }> {
  return created(cluster, 'POST', '/api/deployments', { releaseId, environmentId });
}

export async function taskState(cluster: TestCluster, taskId: string): Promise<TaskDto['state']> {
  return (await cluster.api<TaskDto>('GET', `/api/tasks/${taskId}`, undefined, { node: liveNode(cluster) }))
    .body.state;
}

export async function taskLog(cluster: TestCluster, taskId: string): Promise<string> {
  return (
    await cluster.api<string>('GET', `/api/tasks/${taskId}/log`, undefined, { node: liveNode(cluster) })
  ).body;
}
