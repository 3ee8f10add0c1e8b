// The standalone -> HA migration engine's contract (`flotilla-node migrate …`, server-node/src/migration).
// The console's wizard runs the engine on the source host over SSH and reads exactly these objects:
// with --json, every progress event is one line `{"type":"progress",…}` and the step's result is the
// last line `{"type":"result",…}`. Plain data only; nothing here imports the rest of the server.

/** The environment variable the target PostgreSQL URL may come from, so no command line shows its password. */
export const MIGRATION_TARGET_DB_ENV = 'FLOTILLA_TARGET_DB_URL';

/** Who runs a step, for the audit log (the console sets it to its signed-in administrator). */
export const MIGRATION_ACTOR_ENV = 'FLOTILLA_ACTOR';

/** The steps in the order an admin runs them; `rollback` may replace everything after preflight. */
export const MIGRATION_STEPS = ['preflight', 'precopy', 'switch', 'verify', 'finalize'] as const;

export type MigrationStep = (typeof MIGRATION_STEPS)[number] | 'rollback';

/** What a `migrate` command line ran: a step, `status`, or `migrate` itself (every step in order). */
export type MigrationCommand = MigrationStep | 'status' | 'migrate';

/**
 * A step's state, in the journal and in results.
 * - `pending`: not run in this attempt.
 * - `running`: a CLI is running it now (the lock names it).
 * - `interrupted`: it was running when its CLI died (crash, kill, closed console): run it again to resume.
 * - `waiting`: the switch is done up to the node's start; start the node, then run `switch` again.
 * - `done` / `failed`: finished; a failed step says why and can be run again.
 */
export type MigrationStepState = 'pending' | 'running' | 'interrupted' | 'waiting' | 'done' | 'failed';

/** One check (preflight, verify): PASS / FAIL (WARN: worth reading, does not block), and how to fix a failure. */
export interface MigrationCheckDto {
  /** Stable id for the UI, e.g. `target.reachable`, `shared.same-folder`, `verify.table.tasks`. */
  id: string;
  title: string;
  status: 'pass' | 'fail' | 'warn';
  detail: string;
  /** What the admin should do; null when the check passed. */
  fix: string | null;
}

/** One progress event of a long step (file copy, database copy, drain). */
export interface MigrationProgressDto {
  type: 'progress';
  step: MigrationCommand;
  /** e.g. `files`, `rehearsal`, `maintenance`, `drain`, `stop`, `delta`, `database`, `verify`, `start`. */
  phase: string;
  message: string;
  at: string;
  elapsedMs: number;
  bytesDone: number;
  bytesTotal: number;
  /** Files, rows or tasks, as `unit` says; 0 / 0 when the phase counts nothing. */
  itemsDone: number;
  itemsTotal: number;
  unit: 'files' | 'tables' | 'rows' | 'tasks' | 'none';
  /** Estimated milliseconds left; null when unknown. */
  etaMs: number | null;
}

/** Files carried into the shared folder (precopy, or the switch's delta). */
export interface MigrationFilesDto {
  /** The manifest on the share (JSON lines: path, size, sha256). */
  manifest: string;
  filesTotal: number;
  bytesTotal: number;
  /** Copied by this run (the rest were already on the share with the same size and time). */
  filesCopied: number;
  bytesCopied: number;
  /** Files gone from the source since the last copy, removed from the share too. */
  filesRemoved: number;
  ms: number;
}

/** Per table: rows and an ordered row hash on each side. */
export interface MigrationTableDto {
  table: string;
  sourceRows: number;
  targetRows: number | null;
  sourceHash: string;
  targetHash: string | null;
  /** equal; differs (a failure); changed (differs, but a node has run on the new database since the switch). */
  state: 'equal' | 'differs' | 'changed' | 'copied';
}

export interface MigrationDatabaseDto {
  tables: MigrationTableDto[];
  rows: number;
  bytes: number;
  copyMs: number;
  verifyMs: number;
}

/** The precopy's rehearsal: the database copied into a scratch schema on the target, verified, dropped. */
export interface MigrationRehearsalDto {
  /** The scratch schema used (dropped again). */
  scratch: string;
  dbRows: number;
  dbBytes: number;
  dbCopyMs: number;
  dbVerifyMs: number;
  /** Files changed on the source since the precopy, and their bytes, at the time of the rehearsal. */
  deltaFiles: number;
  deltaBytes: number;
  /** What the window (maintenance on -> serving on the new database) is expected to take. */
  predictedWindowMs: number;
  /** How the prediction adds up, in milliseconds: drain, stop, delta, database, verify, start... */
  breakdown: Record<string, number>;
}

/** The switch's window, measured. */
export interface MigrationWindowDto {
  maintenanceOnAt: string | null;
  servingAt: string | null;
  /** Maintenance on -> the node serving on the new database; null while it is still open. */
  windowMs: number | null;
  predictedWindowMs: number | null;
  /** Milliseconds per phase: drain, stop, delta, database, verify, config, start. */
  phases: Record<string, number>;
  /** How the node was stopped and started: `systemd:<unit>`, `service:<name>`, `supervisor`, `pid`, `none`. */
  control: string;
  nodeStarted: boolean;
  /** The previous config, kept beside the new one. */
  configBackup: string | null;
  deltaFiles: number;
  tasksCanceled: number;
}

/** What a rollback would throw away (or threw away, with --force): rows written on the new database. */
export interface MigrationLostRowsDto {
  table: string;
  rowsAtFreeze: number;
  rowsNow: number;
}

export interface MigrationRollbackDto {
  /** The step the rollback started from (the last one that had run). */
  from: MigrationStep | null;
  requiresForce: boolean;
  lost: MigrationLostRowsDto[];
  /** Nodes that ran on the new database: set draining there (off the balancer) and listed for stopping. */
  newNodes: string[];
  /** The standalone compared with the freeze: config, every home-storage file, every table. */
  restoredIdentical: boolean | null;
  differences: string[];
}

export interface MigrationArchiveDto {
  path: string;
  sha256: string;
  bytes: number;
}

/** A step as the journal records it. */
export interface MigrationJournalStepDto {
  step: MigrationStep;
  state: MigrationStepState;
  startedAt: string | null;
  finishedAt: string | null;
  by: string | null;
  /** The switch's last completed phase (maintenance, drained, stopped, copied, config, shared, sentinel, started). */
  phase: string | null;
  error: string | null;
  /** One line: what the step did. */
  summary: string | null;
}

/** The journal (<home>/migration/journal.json) as `status` reports it. */
export interface MigrationJournalDto {
  attempt: number;
  clusterId: string | null;
  node: string;
  /** The target database URL with its password redacted (the journal never holds it in clear). */
  targetDb: string | null;
  targetSharedDir: string | null;
  createdAt: string;
  updatedAt: string;
  steps: MigrationJournalStepDto[];
  rolledBack: boolean;
  finalized: boolean;
}

/** Who holds the migration lock (two CLIs never run steps at once). */
export interface MigrationLockDto {
  pid: number;
  host: string;
  user: string;
  command: MigrationCommand;
  since: string;
  /** False when the holder is gone (its lock is stale and the next command takes it over). */
  alive: boolean | null;
}

export interface MigrationStatusDto {
  journal: MigrationJournalDto | null;
  lock: MigrationLockDto | null;
  /** What the home's config points at now. */
  database: 'embedded' | 'external';
  nodeRunning: boolean;
  nodePid: number | null;
  /** The step to run next, as a command line without secrets; null when nothing is left. */
  next: string | null;
}

/** Paths of the reports a step wrote (preflight, precopy, switch, verify, timings). */
export type MigrationReportsDto = string[];

/** The last line of every `migrate` command with --json. */
export interface MigrationResultDto {
  type: 'result';
  step: MigrationCommand;
  state: MigrationStepState;
  ok: boolean;
  dryRun: boolean;
  /** Who ran it, as the audit log records it. */
  by: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  message: string;
  /** The next command to run (no secrets: the target URL comes from FLOTILLA_TARGET_DB_URL). */
  next: string | null;
  checks: MigrationCheckDto[];
  reports: MigrationReportsDto;
  source: { home: string; node: string; sharedDir: string | null; clusterId: string | null };
  target: { db: string | null; sharedDir: string | null };
  /** Preflight: the nonce file other hosts read back (`migrate preflight --peer`). */
  nonce?: { file: string; value: string };
  files?: MigrationFilesDto;
  rehearsal?: MigrationRehearsalDto;
  window?: MigrationWindowDto;
  database?: MigrationDatabaseDto;
  rollback?: MigrationRollbackDto;
  archive?: MigrationArchiveDto;
  status?: MigrationStatusDto;
  /** `migrate` (all steps): each step's result, in order. */
  steps?: MigrationResultDto[];
}

/** Every line `migrate --json` prints. */
export type MigrationOutputDto = MigrationProgressDto | MigrationResultDto;

/** The message non-administrator writes get (503) while the cluster is in maintenance. */
export function maintenanceMessage(reason: string): string {
  return `maintenance: ${reason}`;
}

/** The maintenance reason the migration sets. */
export const MIGRATION_MAINTENANCE_REASON = 'migration in progress';

/** The cluster's maintenance flag (in the database, so it outlives any console), as GET /api/cluster reports it. */
export interface MaintenanceDto {
  reason: string;
  since: string;
  by: string;
}
