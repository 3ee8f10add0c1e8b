// Wire types of access control and the deployment domain (users, projects, packages, releases,
// deployments). Like index.ts, nothing here imports from the rest of the server.

import type { Role } from './roles.js';

export interface UserDto {
  id: string;
  username: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
}

/** Who the caller is (GET /api/auth/me, POST /api/auth/login). */
export interface MeDto {
  user: { id: string | null; username: string; role: Role };
  via: 'session' | 'api-key';
  /** For sessions: send it as `x-csrf-token` on every POST/PUT/PATCH/DELETE. */
  csrfToken: string | null;
  node: string;
}

export interface ApiKeyDto {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

/** Returned once, when a key is created: the key itself is never stored. */
export interface CreatedApiKeyDto extends ApiKeyDto {
  key: string;
}

export interface AuditEntryDto {
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
}

export type ShellKind = 'bash' | 'powershell';

interface StepBase {
  name: string;
  /** Run only on targets with one of these roles; empty or absent = every target of the environment. */
  targetRoles?: string[] | undefined;
}

export interface ScriptStepDto extends StepBase {
  type: 'script';
  /** `node`: once, on the node running the deployment. `targets`: on each target of the environment. */
  runOn: 'node' | 'targets';
  shell: ShellKind;
  script: string;
  timeoutSeconds?: number | undefined;
}

export interface DeployPackageStepDto extends StepBase {
  type: 'deploy-package';
  packageId: string;
  shell: ShellKind;
  /** Runs in the freshly extracted folder before `current` is switched to it. */
  preDeployScript?: string | undefined;
  /** Runs in the new `current` folder after the switch. */
  postDeployScript?: string | undefined;
}

export interface HttpCheckStepDto {
  type: 'http-check';
  name: string;
  url: string;
  expectedStatus: number;
  retries: number;
  retryDelaySeconds: number;
  timeoutSeconds: number;
}

export type StepDto = ScriptStepDto | DeployPackageStepDto | HttpCheckStepDto;

export interface ProjectDto {
  id: string;
  name: string;
  description: string;
  process: StepDto[];
  createdAt: string;
  updatedAt: string;
}

export interface EnvironmentDto {
  id: string;
  name: string;
  sortOrder: number;
  createdAt: string;
}

export interface TargetHealthDto {
  status: 'healthy' | 'unhealthy';
  checkedAt: string;
  node: string;
  message: string;
}

export interface TargetDto {
  id: string;
  name: string;
  environmentId: string;
  kind: 'ssh' | 'node';
  roles: string[];
  /** Where packages are extracted: <deployRoot>/<packageId>/<version>, with a `current` link. */
  deployRoot: string;
  host: string | null;
  port: number | null;
  username: string | null;
  authKind: 'key' | 'password' | null;
  /** Whether a key or password is stored; the secret itself is never returned. */
  hasSecret: boolean;
  hostKeyFingerprint: string | null;
  health: TargetHealthDto | null;
  createdAt: string;
}

export interface VariableDto {
  id: string;
  projectId: string;
  environmentId: string | null;
  name: string;
  sensitive: boolean;
  /** Null for sensitive variables: their value is write-only. */
  value: string | null;
}

export interface PackageDto {
  packageId: string;
  version: string;
  format: 'zip' | 'tar.gz';
  sizeBytes: number;
  sha256: string;
  uploadedAt: string;
  uploadedBy: string;
}

export interface ReleaseDto {
  id: string;
  projectId: string;
  version: string;
  notes: string;
  process: StepDto[];
  /** Package id → version, fixed when the release was created. */
  packages: Record<string, string>;
  createdAt: string;
  createdBy: string;
}

export interface DeploymentStepRunDto {
  stepIndex: number;
  stepName: string;
  target: string;
  node: string;
  attempt: number;
  startedAt: string;
  finishedAt: string | null;
  outcome: 'running' | 'succeeded' | 'failed' | 'interrupted';
}

export interface DeploymentDto {
  id: string;
  releaseId: string;
  releaseVersion: string;
  projectId: string;
  projectName: string;
  environmentId: string;
  environmentName: string;
  taskId: string;
  /** The deploy task's state. */
  state: 'queued' | 'executing' | 'succeeded' | 'failed' | 'canceled';
  error: string | null;
  createdAt: string;
  createdBy: string;
  finishedAt: string | null;
}

export interface DeploymentDetailDto extends DeploymentDto {
  steps: DeploymentStepRunDto[];
}

export interface CreateDeploymentResultDto {
  id: string;
  taskId: string;
}

/** The dashboard: the latest deployment of each project to each environment. */
export interface DashboardDto {
  projects: { id: string; name: string }[];
  environments: { id: string; name: string }[];
  latest: DeploymentDto[];
}

export interface RetentionPolicyDto {
  everyMinutes: number;
  /** Releases beyond the newest N of a project have their packages removed from the feed. */
  keepReleasesPerProject: number;
  /** Logs of finished tasks older than this are deleted from shared storage. */
  taskLogDays: number;
  nextRunAt: string;
}

/** A file a task left in its artifacts folder (scripts on the node write to $FLOTILLA_ARTIFACTS). */
export interface ArtifactDto {
  name: string;
  sizeBytes: number;
  modifiedAt: string;
}
