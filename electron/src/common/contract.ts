// The one contract between the console UI and the console process. Both transports (Electron IPC
// through the preload, and the web host's WebSocket) implement exactly this: invoke channels with
// their signatures, push events with their payloads, and the DTOs they carry.
// This file runs in the renderer too: no Node or Electron imports, types only from the server node.
//
// How channels are named: `domain:verb`.
// - The domain is the plural noun of what the channel works on (clusters, nodes, tasks, hosts, events,
//   metrics); a singular noun only for what the console has exactly one of (console, sandbox, balancer,
//   directory: the active cluster's directory sign-in).
// - An invoke channel's verb is one of list (a collection), get (one thing), add, update, remove,
//   set (one field or setting) and select, or, for anything else, the action itself (test, start, stop,
//   probe, cancel, retry, provision, restart, replace…). A noun follows the verb when the channel works
//   on something other than the domain's item itself: getSnapshot, setTaskCap, listActions, removeNode.
// - A push event is the domain and `changed` when its list changed (refetch it), or else the noun of
//   what arrives: snapshot, event, status, logChunk, action, actionEvent.
// Channel names are written as strings only here. Everything else uses the INVOKE and PUSH constants
// below, or the ConsoleApi built from them (`api.nodes.setDrain(name, true)`).

import type {
  BalancerAdminState,
  BalancerServerDto,
  BalancerStatsDto,
  ClusterDto,
  CreateTaskResultDto,
  DirectorySettingsDto,
  DirectorySettingsInput,
  DirectoryTestInput,
  DirectoryTestResultDto,
  DiagnosticFinding,
  DiagnosticsDto,
  EventDto,
  MigrationCheckDto,
  MigrationProgressDto,
  MigrationResultDto,
  MigrationStatusDto,
  NodeDto,
  NodeState,
  Role,
  SchemaMigrationDto,
  TaskDetailDto,
  TaskDto,
  TaskState,
} from '@flotilla/server-node/api';
import type { MigrationWizardStep } from './migration-steps.js';

export type {
  BalancerAdminState,
  BalancerServerDto,
  BalancerStatsDto,
  ClusterDto,
  CreateTaskResultDto,
  DirectorySettingsDto,
  DirectorySettingsInput,
  DirectoryTestInput,
  DirectoryTestResultDto,
  DiagnosticFinding,
  DiagnosticsDto,
  EventDto,
  MigrationCheckDto,
  MigrationProgressDto,
  MigrationResultDto,
  MigrationStatusDto,
  MigrationWizardStep,
  NodeDto,
  NodeState,
  TaskDetailDto,
  TaskDto,
  TaskState,
};

/** A saved connection to a cluster, like a kubeconfig context. The API key stays in the vault. */
export interface ClusterEntryDto {
  id: string;
  name: string;
  /** Where the console talks to the cluster: its load balancer (or one node when there is none). */
  balancerUrl: string;
  /** Nodes to fall back on when the balancer does not answer; learned from the cluster as it runs. */
  nodeUrls: string[];
  /** `standalone`: the local standalone server the console started (a node with its embedded database). */
  kind: 'remote' | 'sandbox' | 'standalone';
  createdAt: string;
  /** Which balancer the Load balancer view reads and controls; missing means the built-in one. */
  balancer?: BalancerSettingsDto;
}

/** HAProxy's files and sockets on the machine it runs on. */
export interface HaproxyPathsDto {
  configFile: string;
  /** The admin-level `stats socket`. */
  runtimeSocket: string;
  /** The master CLI socket (`-S`). */
  masterSocket: string;
  stateFile: string;
}

/**
 * The cluster's balancer as the console reaches it: the built-in one through the cluster URL
 * (`/_balancer/stats`), or an HAProxy through its Runtime API socket, on this machine or on a host of
 * the Hosts view over SSH (sockets through `socat` there). No secret here: the host's credential stays
 * in the vault with the host.
 */
export type BalancerSettingsDto =
  | { kind: 'builtin' }
  | ({ kind: 'haproxy'; where: 'local' } & HaproxyPathsDto)
  | ({
      kind: 'haproxy';
      where: 'host';
      hostId: string;
      /** The host's address when it was chosen, for showing where HAProxy is. */
      address: string;
    } & HaproxyPathsDto);

/** Where a packaged HAProxy keeps these, as resources/haproxy/haproxy.cfg.template is meant to be filled. */
export const HAPROXY_DEFAULT_PATHS = {
  configFile: '/etc/haproxy/haproxy.cfg',
  runtimeSocket: '/run/haproxy/admin.sock',
  masterSocket: '/run/haproxy/master.sock',
  stateFile: '/var/lib/haproxy/server-state',
} as const satisfies HaproxyPathsDto;

/** What the settings dialog sends: HAProxy's paths may be left out for the defaults of the shipped template. */
export type BalancerSettingsInputDto =
  | { kind: 'builtin' }
  | ({ kind: 'haproxy'; where: 'local' } & Partial<HaproxyPathsDto>)
  | ({ kind: 'haproxy'; where: 'host'; hostId: string } & Partial<HaproxyPathsDto>);

export interface ClustersDto {
  clusters: ClusterEntryDto[];
  activeId: string | null;
}

export interface ClusterInputDto {
  name: string;
  balancerUrl: string;
  apiKey: string;
}

export interface ClusterPatchDto {
  name?: string;
  balancerUrl?: string;
  /** Only when changing it; an empty or missing key keeps the stored one. */
  apiKey?: string;
}

export interface ConnectionTestDto {
  balancerUrl: string;
  nodes: number;
  version: string | null;
  leader: string | null;
  /** The connection works but the API key may not change anything. */
  readOnly: boolean;
}

/** What the admin's API key may do: its user's role, from the cluster's `GET /api/auth/me`. */
export type ConsoleRole = Role;

export interface ConnectionDto {
  state: 'connecting' | 'connected' | 'reconnecting' | 'disconnected';
  /** The URL the event stream is currently reading from. */
  via: string | null;
  error: string | null;
  lastEventId: string | null;
  /** Null until the cluster has said; the UI allows nothing until then. */
  role: ConsoleRole | null;
}

/** One sample of the cluster, taken by the console process every second and pushed to the UI. */
export interface MetricsPointDto {
  /** Milliseconds since the epoch. */
  at: number;
  nodes: Record<
    string,
    { state: NodeState; cpu: number; rssBytes: number; running: number; taskCap: number }
  >;
  queued: number;
  executing: number;
  /** Tasks that finished since the previous point (from the event stream). */
  finished: number;
  failed: number;
  /** Per balancer server, when the balancer has stats. */
  balancer: Record<string, { sessions: number; requestRate: number; adminState: BalancerAdminState }> | null;
}

export interface ClusterSnapshotDto {
  clusterId: string;
  connection: ConnectionDto;
  cluster: ClusterDto | null;
  nodes: NodeDto[];
  /** Null when the cluster's balancer has no stats endpoint (no built-in balancer, or not reachable). */
  balancer: BalancerStatsDto | null;
  balancerError: string | null;
  point: MetricsPointDto | null;
}

/** A file for the UI to save: its suggested name and its bytes in base64 (binary does not cross as JSON). */
export interface SupportBundleFileDto {
  fileName: string;
  base64: string;
}

/** How many tasks `tasks:list` returns when the filter names no limit: the newest, up to the server's cap. */
export const TASK_LIST_LIMIT = 10_000;

export interface TaskFilterDto {
  state?: TaskState;
  node?: string;
  kind?: string;
  /** Only these tasks (at most TASK_IDS_MAX): how the console patches its lists from task events. */
  ids?: string[];
  limit?: number;
}

export interface NewTaskDto {
  kind: string;
  args?: Record<string, unknown>;
  description?: string;
}

export interface SandboxStatusDto {
  state: 'stopped' | 'starting' | 'running' | 'stopping' | 'failed';
  clusterId: string | null;
  balancerUrl: string | null;
  nodes: { name: string; url: string; pid: number }[];
  error: string | null;
}

export interface ConsoleInfoDto {
  transport: 'electron' | 'web';
  version: string;
  configDir: string;
}

export interface TaskLogChunkDto {
  clusterId: string;
  taskId: string;
  text: string;
  /** The task has ended and the log is complete. */
  done: boolean;
}

/** How the console signs in to a host; the secret itself stays in the vault. */
export type HostAuthKind = 'key' | 'keyWithPassphrase' | 'password';

/** What a host said about itself when the console first signed in (`uname`, `/etc/os-release`). */
export interface HostOsDto {
  /** e.g. "Debian GNU/Linux 12 (bookworm)". */
  name: string;
  kernel: string;
  arch: string;
}

/** The node a host runs (or will run once provisioned). */
export interface HostNodeDto {
  name: string;
  listenHost: string;
  port: number;
  publicUrl: string;
  installRoot: string;
  /** `provisioned` once a provisioning run finished; `partial` after one failed or stopped half-way. */
  state: 'partial' | 'provisioned';
}

/** One host of a cluster's inventory, as the UI sees it: no secret, ever. */
export interface HostDto {
  id: string;
  clusterId: string;
  address: string;
  sshPort: number;
  username: string;
  authKind: HostAuthKind;
  /** The pinned host key fingerprint (`SHA256:…`) and its type. */
  hostKey: string;
  hostKeyType: string;
  os: HostOsDto | null;
  addedAt: string;
  node: HostNodeDto | null;
  /** The action running on this host, if any: only one at a time. */
  busyWith: string | null;
}

/** What a host presents before anything is trusted or sent: the admin compares it with `ssh-keygen -lf` on the host. */
export interface HostProbeDto {
  address: string;
  sshPort: number;
  fingerprint: string;
  keyType: string;
}

export interface HostInputDto {
  address: string;
  sshPort: number;
  username: string;
  authKind: HostAuthKind;
  /** The private key (PEM / OpenSSH) for `key` and `keyWithPassphrase`. */
  privateKey?: string;
  passphrase?: string;
  password?: string;
  /** The fingerprint the admin confirmed after `hosts:probe`; the host must still present it. */
  fingerprint: string;
}

export interface ProvisionInputDto {
  hostId: string;
  nodeName: string;
  listenHost: string;
  port: number;
  publicUrl: string;
  installRoot: string;
}

export interface RollingRestartInputDto {
  /** Given: upgrade every provisioned node to the console's server bundle; absent: restart what runs. */
  upgrade: boolean;
  /** Never restart a node while fewer than this many other nodes serve. */
  minHealthy: number;
}

export interface RemoveNodeInputDto {
  hostId: string;
  /** Delete the node's logs too (the whole install root). */
  purge: boolean;
}

/** Replace the node on `fromHostId` with a new node on `toHostId` (the new one serves before the old one goes). */
export interface ReplaceInputDto {
  fromHostId: string;
  node: ProvisionInputDto;
  purge: boolean;
}

export type HostActionKind =
  'provision' | 'restart' | 'rollingRestart' | 'rollingUpgrade' | 'removeNode' | 'replace';

/** One line of an action's stream: a step started, made progress, finished, was skipped or failed. */
export interface HostActionEventDto {
  at: number;
  /** The node the line is about (rolling restarts and replaces touch several). */
  node: string;
  step: string;
  status: 'started' | 'progress' | 'done' | 'skipped' | 'failed';
  detail: string;
  /** Upload progress, 0–100, on `progress` lines of the upload step. */
  percent: number | null;
}

/** A node action the console runs in the background, with everything it streamed so far. */
export interface HostActionDto {
  id: string;
  clusterId: string;
  kind: HostActionKind;
  /** e.g. "Provision node-4 on 10.0.0.12". */
  title: string;
  hostIds: string[];
  state: 'running' | 'done' | 'failed';
  startedAt: number;
  finishedAt: number | null;
  events: HostActionEventDto[];
  /** Why it failed: which step, the reason, and what the admin can do (then run it again: it resumes). */
  failure: { step: string; reason: string; fix: string } | null;
}

/** How the console reaches the cluster's database and secrets when it provisions. Never the secrets themselves. */
export interface ProvisioningSettingsDto {
  clusterId: string;
  /** `sandbox`: taken from the local sandbox; `saved`: entered by the admin; `missing`: not set yet. */
  source: 'sandbox' | 'saved' | 'missing';
  /** The database URL as the hosts reach it, its password masked. */
  dbUrl: string | null;
  masterKeySet: boolean;
  /**
   * The server bundle that provisioning uploads (with the migrations it carries, for the rolling
   * upgrade to show; null for a bundle that does not list them), or why there is none.
   */
  bundle: { version: string; file: string; migrations: SchemaMigrationDto[] | null } | null;
  bundleError: string | null;
}

/** What "Add a Windows host" asks for: the node's name and the account its Windows service runs as. */
export interface WindowsInstallInputDto {
  nodeName: string;
  /** A gMSA (DOMAIN\\name$) or domain account reaches an SMB shared folder; empty: the MSI's default. */
  serviceAccount: string;
}

/**
 * The silent install of a Windows node into the active cluster: the `msiexec` line with every property
 * filled in (the database password masked, the master key as a file to copy, never on the line) and the
 * MSI it installs. The node joins by itself and appears in the Nodes view.
 */
export interface WindowsInstallDto {
  nodeName: string;
  command: string;
  /** Where the command reads the master key on the Windows host (the admin copies it there). */
  masterKeyFile: string;
  /** The MSI in the console's bundles folder, or why there is none. */
  msi: { file: string; version: string } | null;
  msiError: string | null;
}

export interface ProvisioningSettingsInputDto {
  dbUrl: string;
  /** Only when setting or changing it; empty keeps the stored one. */
  masterKey?: string;
}

/**
 * Where the standalone node to move runs: this machine (a node home the console knows, such as its
 * local standalone server) or a host of the Hosts view, where it was installed under `installRoot`
 * (`current/node/bin/node`, `current/server/flotilla-node.mjs`) with its home at `home`.
 */
export type MigrationSourceDto =
  { kind: 'local'; home: string } | { kind: 'host'; hostId: string; installRoot: string; home: string };

/** A node the migration adds: provisioned on a host of the Hosts view once the switch is verified. */
export interface MigrationNodePlanDto {
  hostId: string;
  nodeName: string;
  listenHost: string;
  port: number;
  publicUrl: string;
  installRoot: string;
}

/**
 * The balancer in front of the new cluster: the built-in one, which the console starts on the source
 * host (`flotilla-node balance`), or the HAProxy of the cluster's balancer settings (on this machine or
 * on a host), which users reach at `frontendUrl`.
 */
export type MigrationBalancerPlanDto =
  { kind: 'builtin'; listenHost: string; port: number } | { kind: 'haproxy'; frontendUrl: string };

/** The wizard's plan, as the console keeps it. The target URL itself is in the vault, never here. */
export interface MigrationPlanDto {
  source: MigrationSourceDto | null;
  /** The target database URL with its password masked; null until given. */
  targetDb: string | null;
  /** The target is an embedded PostgreSQL the console started on this machine. */
  targetEmbedded: boolean;
  sharedDir: string | null;
  nodes: MigrationNodePlanDto[];
  balancer: MigrationBalancerPlanDto | null;
}

/** What a form changes in the plan: only the fields given. */
export interface MigrationPlanInputDto {
  source?: MigrationSourceDto;
  /** The whole target URL, password included; it goes to the vault. */
  targetDb?: string;
  sharedDir?: string;
  nodes?: MigrationNodePlanDto[];
  balancer?: MigrationBalancerPlanDto;
}

/** What the console found on the source: the node, its version and what there is to move. */
export interface MigrationSourceInfoDto {
  node: string;
  version: string | null;
  database: 'embedded' | 'external';
  nodeRunning: boolean;
  /** The embedded database's folder and the node's storage (packages, task logs, artifacts), in bytes. */
  databaseBytes: number | null;
  filesBytes: number | null;
  runningTasks: number | null;
  queuedTasks: number | null;
  checkedAt: string;
}

/** A planned node host's own checks: it reaches the target database and sees the same shared folder. */
export interface MigrationPeerDto {
  hostId: string;
  address: string;
  ok: boolean;
  checks: MigrationCheckDto[];
}

/** Through the balancer: a task on every node, an old task log through every node, a package's checksum. */
export interface MigrationSmokeDto {
  ok: boolean;
  checks: MigrationCheckDto[];
  finishedAt: string;
}

/** The wizard step the console runs now, and the last progress event of each phase so far. */
export interface MigrationRunDto {
  step: MigrationWizardStep;
  startedAt: string;
  progress: MigrationProgressDto[];
}

/** Where a cluster's migration stands: the plan, the engine's journal (the truth) and what ran from here. */
export interface MigrationStateDto {
  clusterId: string;
  clusterName: string;
  /** "Move to high availability" applies: one standalone node with its embedded database (or a migration began). */
  eligible: boolean;
  /** Why it does not apply; null when it does. */
  ineligibleReason: string | null;
  plan: MigrationPlanDto;
  /** `flotilla-node migrate status` on the source; null before a source is chosen or when it could not be read. */
  status: MigrationStatusDto | null;
  statusError: string | null;
  source: MigrationSourceInfoDto | null;
  running: MigrationRunDto | null;
  /** The step that ran last from this console (since it started), with its last progress of each phase. */
  lastRun: MigrationRunDto | null;
  /** The engine's last result of each step run from this console. */
  results: Partial<
    Record<'preflight' | 'precopy' | 'switch' | 'verify' | 'finalize' | 'rollback', MigrationResultDto>
  >;
  peers: MigrationPeerDto[];
  /** The provisioning actions the wizard started (the Hosts view streams the same ones). */
  provisionActionIds: string[];
  smoke: MigrationSmokeDto | null;
  /** The step to show: where the journal (and, after the verification, the console) says it stands. */
  stage: MigrationWizardStep;
  /** Begun and neither finalized nor rolled back: the console shows the banner. */
  inProgress: boolean;
  finalized: boolean;
  /** The last console-side failure (the engine's own failures are in `results`). */
  error: { step: MigrationWizardStep; message: string } | null;
}

/** "Show the commands": the exact lines per host, secrets read into environment variables, never inline. */
export interface MigrationCommandsDto {
  step: MigrationWizardStep;
  hosts: { where: string; lines: string[] }[];
  notes: string[];
}

/** Every invoke channel with its signature. Verbs are camelCase so the API reads `api.nodes.setTaskCap()`. */
export interface InvokeContract {
  'console:getInfo': () => ConsoleInfoDto;
  'clusters:list': () => ClustersDto;
  'clusters:test': (input: { balancerUrl: string; apiKey: string }) => ConnectionTestDto;
  'clusters:add': (input: ClusterInputDto) => ClusterEntryDto;
  'clusters:update': (id: string, patch: ClusterPatchDto) => ClusterEntryDto;
  'clusters:remove': (id: string) => ClustersDto;
  'clusters:select': (id: string) => ClustersDto;
  /** The active cluster as last sampled; null when none is selected. */
  'clusters:getSnapshot': () => ClusterSnapshotDto | null;
  /** Pauses or resumes the active cluster's queue. */
  'clusters:setPaused': (paused: boolean) => ClusterDto;
  /** The cluster check (administrator): every node's self-check and the findings, the balancer's view added. */
  'clusters:getDiagnostics': () => DiagnosticsDto;
  /** The support bundle (administrator): a zip of the diagnostics, node logs, configs without secrets, balancer stats. */
  'clusters:getSupportBundle': () => SupportBundleFileDto;
  'sandbox:start': () => SandboxStatusDto;
  'sandbox:stop': () => SandboxStatusDto;
  'sandbox:getStatus': () => SandboxStatusDto;
  /** The active cluster's samples for the charts, oldest first. */
  'metrics:list': () => MetricsPointDto[];
  /** The active cluster's latest events, oldest first. */
  'events:list': () => EventDto[];
  'nodes:setDrain': (name: string, drain: boolean) => NodeDto;
  'nodes:setTaskCap': (name: string, taskCap: number) => NodeDto;
  /** Deletes an offline or dead node from the cluster. */
  'nodes:remove': (name: string) => null;
  /** The node's own log, its last `lines` lines (pino JSON lines; administrator). */
  'nodes:getLog': (name: string, lines: number) => string;
  /** Streams the node's log (its last `lines`, then as written) as `nodes:logChunk` pushes until `nodes:unfollowLog`. */
  'nodes:followLog': (name: string, lines: number) => null;
  'nodes:unfollowLog': (name: string) => null;
  'tasks:list': (filter: TaskFilterDto) => TaskDto[];
  'tasks:get': (id: string) => TaskDetailDto;
  'tasks:add': (task: NewTaskDto) => CreateTaskResultDto;
  'tasks:cancel': (id: string) => TaskDto;
  'tasks:retry': (id: string) => TaskDto;
  'tasks:getLog': (id: string) => string;
  /** Streams the task's log as `tasks:logChunk` pushes until it ends or `tasks:unfollowLog`. */
  'tasks:followLog': (id: string) => null;
  'tasks:unfollowLog': (id: string) => null;
  'balancer:getStats': () => BalancerStatsDto | null;
  'balancer:setServerState': (name: string, state: BalancerAdminState) => BalancerServerDto;
  'balancer:getSettings': () => BalancerSettingsDto;
  /** Reads the balancer's stats once with the new setting and saves it only when that works. */
  'balancer:setSettings': (settings: BalancerSettingsInputDto) => BalancerSettingsDto;
  /** The active cluster's directory sign-in settings (administrator); the bind password only as "set". */
  'directory:getSettings': () => DirectorySettingsDto;
  'directory:setSettings': (settings: DirectorySettingsInput) => DirectorySettingsDto;
  /** Binds with the settings given (not yet saved), looks a user up: their groups and the role they get. */
  'directory:test': (input: DirectoryTestInput) => DirectoryTestResultDto;
  'hosts:list': () => HostDto[];
  'hosts:probe': (target: { address: string; sshPort: number }) => HostProbeDto;
  'hosts:add': (input: HostInputDto) => HostDto;
  'hosts:confirmKey': (hostId: string, fingerprint: string) => HostDto;
  /** Forgets a host (and its SSH secret); the node on it, if any, is left alone. */
  'hosts:remove': (hostId: string) => HostDto[];
  'hosts:provision': (input: ProvisionInputDto) => HostActionDto;
  'hosts:restart': (hostId: string) => HostActionDto;
  'hosts:rollingRestart': (input: RollingRestartInputDto) => HostActionDto;
  /** Takes the host's node out of the cluster for good: drain, stop, delete, uninstall. */
  'hosts:removeNode': (input: RemoveNodeInputDto) => HostActionDto;
  'hosts:replace': (input: ReplaceInputDto) => HostActionDto;
  'hosts:listActions': () => HostActionDto[];
  'hosts:getSettings': () => ProvisioningSettingsDto;
  'hosts:setSettings': (input: ProvisioningSettingsInputDto) => ProvisioningSettingsDto;
  /** The msiexec line that adds a Windows node to the active cluster (administrators). */
  'hosts:getWindowsInstall': (input: WindowsInstallInputDto) => WindowsInstallDto;
  /** The active cluster's migration: plan, journal, results. */
  'migrations:getState': () => MigrationStateDto;
  /** Starts a standalone node on this machine (`init` without --db, then `run`), saves and selects it. */
  'migrations:startStandalone': () => ClusterEntryDto;
  'migrations:setPlan': (input: MigrationPlanInputDto) => MigrationStateDto;
  /** Detects the source again: version, sizes, running tasks. */
  'migrations:inspect': () => MigrationStateDto;
  /** Starts an embedded PostgreSQL on this machine and makes it the target. */
  'migrations:startTarget': () => MigrationStateDto;
  // The steps: each starts in the background (one at a time per cluster) and answers at once;
  // `migrations:progress` and `migrations:state` pushes follow it.
  'migrations:preflight': () => MigrationStateDto;
  'migrations:precopy': () => MigrationStateDto;
  'migrations:switch': () => MigrationStateDto;
  'migrations:verify': () => MigrationStateDto;
  /** Starts the balancer and provisions the planned nodes with the provisioning service. */
  'migrations:provisionNodes': () => MigrationStateDto;
  'migrations:smokeTest': () => MigrationStateDto;
  'migrations:finalize': () => MigrationStateDto;
  /** `force`: even when the new cluster has done work since the switch (it is lost). */
  'migrations:rollback': (options: { force: boolean }) => MigrationStateDto;
  'migrations:listCommands': (step: MigrationWizardStep) => MigrationCommandsDto;
}

/** Every push event with its payload: console process → UI, never the other way. */
export interface PushContract {
  'clusters:changed': ClustersDto;
  'clusters:snapshot': ClusterSnapshotDto;
  'clusters:event': { clusterId: string; event: EventDto };
  'sandbox:status': SandboxStatusDto;
  'tasks:logChunk': TaskLogChunkDto;
  /** More of a followed node log (whole lines). */
  'nodes:logChunk': { clusterId: string; node: string; text: string };
  /** The hosts of a cluster changed (added, removed, provisioned): refetch them. */
  'hosts:changed': { clusterId: string };
  /** An action started or finished (its whole state). */
  'hosts:action': HostActionDto;
  /** One more line of a running action's stream. */
  'hosts:actionEvent': { clusterId: string; actionId: string; event: HostActionEventDto };
  /** A cluster's migration changed (a step started or ended, the plan was saved): its whole state. */
  'migrations:state': MigrationStateDto;
  /** One progress line of the engine step running now. */
  'migrations:progress': { clusterId: string; event: MigrationProgressDto };
}

export type InvokeChannel = keyof InvokeContract;
export type PushEvent = keyof PushContract;
export type InvokeArgs<C extends InvokeChannel> = Parameters<InvokeContract[C]>;
export type InvokeResult<C extends InvokeChannel> = ReturnType<InvokeContract[C]>;

type DomainOf<C extends string> = C extends `${infer D}:${string}` ? D : never;

/** Channel names by domain and verb: `INVOKE.nodes.setDrain` is 'nodes:setDrain'. */
type ChannelTree<C extends string> = {
  readonly [D in DomainOf<C>]: { readonly [K in C as K extends `${D}:${infer V}` ? V : never]: K };
};

// Typed from the contracts above, so the compiler rejects a channel missing here, extra or misspelt.
export const INVOKE: ChannelTree<InvokeChannel> = {
  console: { getInfo: 'console:getInfo' },
  clusters: {
    list: 'clusters:list',
    test: 'clusters:test',
    add: 'clusters:add',
    update: 'clusters:update',
    remove: 'clusters:remove',
    select: 'clusters:select',
    getDiagnostics: 'clusters:getDiagnostics',
    getSupportBundle: 'clusters:getSupportBundle',
    getSnapshot: 'clusters:getSnapshot',
    setPaused: 'clusters:setPaused',
  },
  sandbox: { start: 'sandbox:start', stop: 'sandbox:stop', getStatus: 'sandbox:getStatus' },
  metrics: { list: 'metrics:list' },
  events: { list: 'events:list' },
  nodes: {
    setDrain: 'nodes:setDrain',
    setTaskCap: 'nodes:setTaskCap',
    remove: 'nodes:remove',
    getLog: 'nodes:getLog',
    followLog: 'nodes:followLog',
    unfollowLog: 'nodes:unfollowLog',
  },
  tasks: {
    list: 'tasks:list',
    get: 'tasks:get',
    add: 'tasks:add',
    cancel: 'tasks:cancel',
    retry: 'tasks:retry',
    getLog: 'tasks:getLog',
    followLog: 'tasks:followLog',
    unfollowLog: 'tasks:unfollowLog',
  },
  balancer: {
    getStats: 'balancer:getStats',
    setServerState: 'balancer:setServerState',
    getSettings: 'balancer:getSettings',
    setSettings: 'balancer:setSettings',
  },
  directory: {
    getSettings: 'directory:getSettings',
    setSettings: 'directory:setSettings',
    test: 'directory:test',
  },
  hosts: {
    list: 'hosts:list',
    probe: 'hosts:probe',
    add: 'hosts:add',
    confirmKey: 'hosts:confirmKey',
    remove: 'hosts:remove',
    provision: 'hosts:provision',
    restart: 'hosts:restart',
    rollingRestart: 'hosts:rollingRestart',
    removeNode: 'hosts:removeNode',
    replace: 'hosts:replace',
    listActions: 'hosts:listActions',
    getSettings: 'hosts:getSettings',
    setSettings: 'hosts:setSettings',
    getWindowsInstall: 'hosts:getWindowsInstall',
  },
  migrations: {
    getState: 'migrations:getState',
    startStandalone: 'migrations:startStandalone',
    setPlan: 'migrations:setPlan',
    inspect: 'migrations:inspect',
    startTarget: 'migrations:startTarget',
    preflight: 'migrations:preflight',
    precopy: 'migrations:precopy',
    switch: 'migrations:switch',
    verify: 'migrations:verify',
    provisionNodes: 'migrations:provisionNodes',
    smokeTest: 'migrations:smokeTest',
    finalize: 'migrations:finalize',
    rollback: 'migrations:rollback',
    listCommands: 'migrations:listCommands',
  },
};

export const PUSH: ChannelTree<PushEvent> = {
  clusters: { changed: 'clusters:changed', snapshot: 'clusters:snapshot', event: 'clusters:event' },
  sandbox: { status: 'sandbox:status' },
  tasks: { logChunk: 'tasks:logChunk' },
  nodes: { logChunk: 'nodes:logChunk' },
  hosts: { changed: 'hosts:changed', action: 'hosts:action', actionEvent: 'hosts:actionEvent' },
  migrations: { state: 'migrations:state', progress: 'migrations:progress' },
};

const leaves = <C extends string>(tree: ChannelTree<C>): C[] =>
  Object.values<Record<string, C>>(tree).flatMap((verbs) => Object.values(verbs));

export const INVOKE_CHANNELS: readonly InvokeChannel[] = leaves(INVOKE);
export const PUSH_EVENTS: readonly PushEvent[] = leaves(PUSH);

/** The one IPC channel that carries every push event (`{event, payload}`), so the preload subscribes once. */
export const PUSH_IPC_CHANNEL = 'console:push';

const invokeChannelSet: ReadonlySet<string> = new Set(INVOKE_CHANNELS);
const pushEventSet: ReadonlySet<string> = new Set(PUSH_EVENTS);

export function isInvokeChannel(value: unknown): value is InvokeChannel {
  return typeof value === 'string' && invokeChannelSet.has(value);
}

export function isPushEvent(value: unknown): value is PushEvent {
  return typeof value === 'string' && pushEventSet.has(value);
}

export interface PushMessage<E extends PushEvent = PushEvent> {
  event: E;
  payload: PushContract[E];
}

/** The console process's side: one async function per channel. */
export type InvokeHandlers = {
  [C in InvokeChannel]: (...args: InvokeArgs<C>) => Promise<InvokeResult<C>>;
};

type Domain = DomainOf<InvokeChannel>;

/** The handlers of some domains' channels: what one part of the console process owns. */
export type DomainHandlers<D extends Domain> = Pick<InvokeHandlers, Extract<InvokeChannel, `${D}:${string}`>>;

/** How the console process sends a push event to the UI (Electron IPC or the web host's WebSocket). */
export type Push = <E extends PushEvent>(event: E, payload: PushContract[E]) => void;

/** The UI's side: `api.nodes.setDrain(name, true)`, built from the channel map for either transport. */
export type ConsoleApi = {
  [D in Domain]: {
    [C in InvokeChannel as C extends `${D}:${infer V}` ? V : never]: (
      ...args: InvokeArgs<C>
    ) => Promise<InvokeResult<C>>;
  };
} & {
  /** Subscribes to a push event; returns the unsubscribe function. */
  on<E extends PushEvent>(event: E, listener: (payload: PushContract[E]) => void): () => void;
};
