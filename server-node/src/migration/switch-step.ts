import { chmod, copyFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MigrationResultDto, MigrationWindowDto } from '../api/index.js';
import { MIGRATION_MAINTENANCE_REASON } from '../api/index.js';
import { checkSentinel, writeSentinel } from '../cluster/shared-storage.js';
import type { NodeConfig } from '../config/node-config.js';
import { createPool } from '../db/pool.js';
import { readClusterRow, setSharedDir } from '../sql/cluster-row.js';
import { updateNode } from '../sql/node-lifecycle.js';
import { cancelTask } from '../sql/task-rows.js';
import { UserError } from '../user-error.js';
import { writeFileAtomic } from './atomic-file.js';
import { auditStep } from './audit-step.js';
import { copyDatabase } from './copy-database.js';
import { copyFiles } from './copy-files.js';
import { crashPoint } from './crash-points.js';
import { filesDigest } from './file-manifest.js';
import { liftMaintenance, setMaintenance } from './maintenance-flag.js';
import type { NodeControlRecord } from './node-control.js';
import {
  detectControl,
  findNodePid,
  isServing,
  pingNode,
  startNode,
  stopNode,
  waitUntilServing,
} from './node-control.js';
import { requirePreflight } from './precopy-step.js';
import { writeReport } from './reports.js';
import type { SourceFingerprint } from './source-fingerprint.js';
import { sha256OfFile } from './source-fingerprint.js';
import type { SourceDb } from './standalone.js';
import { nodeDraining, openSourceDb, stopOrphanPostmaster } from './standalone.js';
import type { StepContext } from './step-context.js';
import { commandLine, shownUrl, stepResult } from './step-context.js';
import { WindowResponder } from './window-responder.js';

// `migrate switch`: the window. In order, each phase recorded in the journal:
//   maintenance  the flag goes on in the standalone's database (writes refused with 503, banner shown)
//   drained      the node takes no new tasks; running ones finish, or are canceled after --drain-timeout
//   stopped      the node is stopped (service manager, supervisor, or its pid); the CLI answers 503 on its port
//   copied       files changed since the precopy (delta by the manifest) and the database (COPY from one
//                snapshot into the target our migrations created, sequences carried) are copied at once,
//                then every table is compared on both sides; nothing goes further unless all are equal
//   config       flotilla.json is rewritten to the target, the old one kept beside it (.pre-migration)
//   shared       the cluster's shared folder is set in the new database
//   sentinel     the share's sentinel is written, last: no node can start on a half-switched cluster
//   started      with --start (or once the admin started it), the node serves on the new database and
//                maintenance is lifted: the window ends
// Until `config`, an interrupted switch is redone from the start (the copy is simply repeated: nothing
// refers to it yet). From `config` on, every remaining phase is idempotent.

export interface SwitchOptions {
  targetUrl: string;
  sharedDir: string;
  start: boolean;
  drainTimeoutSeconds: number;
  service: string | undefined;
}

/** How long canceled tasks get to stop before the node is stopped anyway (it hands them back). */
const CANCEL_WAIT_MS = 30_000;
/** How long the node gets to start and answer its ping on the new database. */
const START_TIMEOUT_MS = 90_000;

function describeControl(control: NodeControlRecord | undefined): string {
  if (!control) return 'none';
  return control.unit ? `${control.kind}:${control.unit}` : control.kind;
}

function howToStart(control: NodeControlRecord | undefined, home: string): string {
  switch (control?.kind) {
    case 'systemd':
      return `systemctl start ${control.unit}`;
    case 'service':
      return process.platform === 'win32'
        ? `sc.exe start ${control.unit}`
        : `systemctl start ${control.unit}`;
    case 'supervisor':
      return `start flotilla-supervise.sh again (${(control.supervisorArgv ?? []).join(' ')})`;
    default:
      return `flotilla-node run --home ${home}`;
  }
}

export async function runSwitch(context: StepContext, options: SwitchOptions): Promise<MigrationResultDto> {
  const started = new Date();
  const { journal, standalone } = context;
  if (journal.finalized) throw new UserError('The migration is finalized: there is nothing left to switch.');
  if (journal.rolledBack) {
    throw new UserError(
      `This migration was rolled back. Start again with '${commandLine('preflight', context.home, ['--shared', options.sharedDir])}'.`,
    );
  }
  requirePreflight(context, options, 'the switch');
  if (journal.state('precopy') !== 'done') {
    throw new UserError(
      `Run the precopy first (it copies the files while the node serves, and measures the window): ` +
        `${commandLine('precopy', context.home, ['--shared', options.sharedDir])}`,
    );
  }
  if (journal.state('switch') === 'done') {
    return stepResult(context, 'switch', started, {
      state: 'done',
      message: 'The switch is already done: the node serves on the new database.',
      next: commandLine('verify', context.home),
      ...(journal.data.window ? { window: journal.data.window } : {}),
    });
  }
  await journal.begin('switch', context.by);
  const phases: Record<string, number> = { ...(journal.data.window?.phases ?? {}) };
  const window: MigrationWindowDto = {
    maintenanceOnAt: journal.data.maintenanceOnAt ?? null,
    servingAt: null,
    windowMs: null,
    predictedWindowMs: journal.data.rehearsal?.predictedWindowMs ?? null,
    phases,
    control: describeControl(journal.data.control),
    nodeStarted: false,
    configBackup: journal.data.configBackup ?? null,
    deltaFiles: journal.data.window?.deltaFiles ?? 0,
    tasksCanceled: journal.data.window?.tasksCanceled ?? 0,
  };
  const timed = async <T>(phase: string, work: () => Promise<T>): Promise<T> => {
    const at = performance.now();
    try {
      return await work();
    } finally {
      phases[phase] = Math.round(performance.now() - at);
    }
  };
  let responder: WindowResponder | null = null;
  let source: SourceDb | null = null;
  try {
    if (!standalone.switched) {
      ({ responder, source } = await freezeAndCopy(context, options, window, timed));
    }
    // From here on the config points at the target; each phase checks before it acts.
    const config = standalone.switched
      ? standalone.current
      : { ...configFor(standalone.source, options.targetUrl) };
    const clusterId = journal.clusterId!;
    const target = createPool(options.targetUrl, { max: 2, queryTimeoutMs: 30_000 });
    try {
      const cluster = await readClusterRow(target);
      if (cluster?.cluster_id !== clusterId) {
        throw new UserError(
          `The target database holds ${cluster ? `cluster ${cluster.cluster_id}` : 'no cluster'}, not ${clusterId}: ` +
            `was the target changed after the copy? Roll back ('${commandLine('rollback', context.home)}') and start again.`,
        );
      }
      if (cluster.shared_dir !== options.sharedDir) await setSharedDir(target, options.sharedDir);
      await journal.phase('switch', 'shared');
      crashPoint('switch:shared');
      if (await checkSentinel(options.sharedDir, clusterId))
        await writeSentinel(options.sharedDir, clusterId);
      await journal.phase('switch', 'sentinel');
      crashPoint('switch:sentinel');

      // The source is at rest from now on: nothing may write to it after the freeze.
      await source?.close();
      source = null;
      await stopOrphanPostmaster(standalone.source.embedded.dataDir);

      let serving = isServing(await pingNode(config));
      if (!serving && options.start) {
        // The responder holds the node's port until the node asks for it (port-handoff.ts).
        responder ??= await WindowResponder.start(context.home, config);
        const control = journal.data.control ?? { kind: 'none' };
        serving = await timed('start', async () => {
          context.progress.note(
            'start',
            `starting the node (${describeControl(control)}) on the new database`,
          );
          await startNode(context.home, control);
          return waitUntilServing(config, START_TIMEOUT_MS);
        });
        if (!serving) {
          throw new UserError(
            `The node did not start on the new database within ${START_TIMEOUT_MS / 1000} s: see ${context.home}/node.log ` +
              `(or its service's log). Maintenance stays on. Fix it and run the switch again, or roll back.`,
          );
        }
        window.nodeStarted = true;
      }
      if (!serving) {
        const how = howToStart(journal.data.control, context.home);
        journal.data.window = window;
        await journal.finish('switch', 'waiting', 'copied and repointed; waiting for the node to start');
        return stepResult(context, 'switch', started, {
          state: 'waiting',
          message:
            `The node now points at the new database but is stopped (maintenance stays on). Start it (${how}), ` +
            `then run the switch again to lift maintenance; or run it again with --start.`,
          next: commandLine('switch', context.home, ['--shared', options.sharedDir, '--start']),
          window,
          ...(journal.data.database ? { database: journal.data.database } : {}),
        });
      }
      await liftMaintenance(target, context.by);
      window.servingAt = new Date().toISOString();
      window.windowMs = window.maintenanceOnAt
        ? new Date(window.servingAt).getTime() - new Date(window.maintenanceOnAt).getTime()
        : null;
      journal.data.window = window;
      await journal.phase('switch', 'started');
      await auditStep(target, context.by, 'switch', {
        windowMs: window.windowMs,
        predictedWindowMs: window.predictedWindowMs,
        target: shownUrl(options.targetUrl),
        sharedDir: options.sharedDir,
      });
    } finally {
      await target.end();
    }
    const reports = await writeReport(context.home, options.sharedDir, 'switch', {
      at: started.toISOString(),
      by: context.by,
      window,
      database: journal.data.database,
    });
    journal.data.reports = [...new Set([...(journal.data.reports ?? []), ...reports])];
    const seconds = window.windowMs === null ? '?' : (window.windowMs / 1000).toFixed(1);
    await journal.finish('switch', 'done', `window ${seconds} s`);
    return stepResult(context, 'switch', started, {
      state: 'done',
      message:
        `Switched: the node serves on the new database and the share; the window lasted ${seconds} s` +
        (window.predictedWindowMs ? ` (predicted ${(window.predictedWindowMs / 1000).toFixed(1)} s).` : '.') +
        ' Next: verify, then add nodes (init --db + run). Rollback stays possible until finalize.',
      next: commandLine('verify', context.home),
      window,
      reports,
      ...(journal.data.database ? { database: journal.data.database } : {}),
    });
  } catch (error) {
    journal.data.window = window;
    await journal.finish('switch', 'failed', null, (error as Error).message);
    throw error;
  } finally {
    await source?.close().catch(() => undefined);
    await responder?.close();
  }
}

/** The standalone's config pointed at the target: same name, address, key; no embedded database. */
function configFor(source: NodeConfig, targetUrl: string): NodeConfig {
  const config: NodeConfig = { ...source, dbUrl: targetUrl };
  delete config.embedded;
  return config;
}

/** Phases maintenance .. config: freeze the standalone, copy it, verify, repoint the config. */
async function freezeAndCopy(
  context: StepContext,
  options: SwitchOptions,
  window: MigrationWindowDto,
  timed: <T>(phase: string, work: () => Promise<T>) => Promise<T>,
): Promise<{ responder: WindowResponder | null; source: SourceDb }> {
  const { journal, standalone, progress } = context;
  const name = standalone.source.name;
  const phases = window.phases;
  let pid = await findNodePid(context.home);
  if (!journal.data.control || pid !== null) {
    journal.data.control = await detectControl(context.home, pid, options.service);
    window.control = describeControl(journal.data.control);
  }
  let source = await openSourceDb(standalone.source);
  let responder: WindowResponder | null = null;
  try {
    progress.note(
      'maintenance',
      'maintenance on: writes are refused with 503 "maintenance: migration in progress"',
    );
    if (!journal.data.maintenanceOnAt) {
      await auditStep(source.pool, context.by, 'switch', { phase: 'maintenance', target: journal.targetDb });
    }
    await setMaintenance(source.pool, MIGRATION_MAINTENANCE_REASON, context.by);
    journal.data.maintenanceOnAt ??= new Date().toISOString();
    window.maintenanceOnAt = journal.data.maintenanceOnAt;
    await journal.phase('switch', 'maintenance');
    crashPoint('switch:maintenance');

    if (journal.data.drainingBefore === undefined) {
      journal.data.drainingBefore = await nodeDraining(source.pool, name);
    }
    if (pid !== null) {
      window.tasksCanceled += await timed('drain', () => drain(context, source, options.drainTimeoutSeconds));
    }
    await journal.phase('switch', 'drained');
    crashPoint('switch:drained');

    await timed('stop', async () => {
      if (pid === null && journal.data.control?.kind !== 'supervisor') return;
      progress.note('stop', `stopping the node (${describeControl(journal.data.control)})`);
      // The node stops its embedded database with it: our connections must not hold it up.
      await source.close();
      // Its HTTP server closes before its process ends: answer on its port from that moment on.
      let stopping = true;
      const takePort = (async () => {
        while (stopping && !responder) {
          responder = await WindowResponder.start(context.home, standalone.source);
          if (!responder) await sleep(5);
        }
      })();
      try {
        await stopNode(context.home, journal.data.control!);
      } finally {
        stopping = false;
        await takePort;
      }
      pid = null;
    });
    responder ??= await WindowResponder.start(context.home, standalone.source);
    await journal.phase('switch', 'stopped');
    crashPoint('switch:stopped');

    await timed('sourceDbStart', async () => {
      await source.close();
      source = await openSourceDb(standalone.source);
    });
    // The freeze is the node as the admin had it: undo the drain (on both sides, as the copy follows).
    const drainingNow = await nodeDraining(source.pool, name);
    if (
      drainingNow !== null &&
      journal.data.drainingBefore !== null &&
      drainingNow !== journal.data.drainingBefore
    ) {
      await updateNode(source.pool, name, { drain: journal.data.drainingBefore }, context.by);
    }
    const startedCopy = performance.now();
    const [delta, copy] = await Promise.all([
      timed('delta', () =>
        copyFiles({
          sourceDir: journal.data.sourceSharedDir!,
          targetDir: options.sharedDir,
          progress,
          phase: 'delta',
        }),
      ),
      copyDatabase({ sourceUrl: source.url, targetUrl: options.targetUrl, progress }),
    ]);
    phases.databasePrepare = copy.prepareMs;
    phases.database = copy.copyMs;
    phases.verify = copy.verifyMs;
    phases.copy = Math.round(performance.now() - startedCopy);
    window.deltaFiles += delta.filesCopied + delta.filesRemoved;
    if (!copy.ok) {
      const bad = [
        ...copy.tables.filter((table) => table.state !== 'equal').map((table) => `table ${table.table}`),
        ...copy.sequences.filter((sequence) => !sequence.ok).map((sequence) => `sequence ${sequence.name}`),
      ];
      throw new UserError(
        `The copy did not verify (${bad.join(', ')} differ); nothing was repointed and the node stays stopped in ` +
          `maintenance. Run the switch again, or roll back ('${commandLine('rollback', context.home)}').`,
      );
    }
    const fingerprint: SourceFingerprint = {
      configSha256: await sha256OfFile(standalone.configFile),
      files: {
        count: delta.entries.size,
        bytes: [...delta.entries.values()].reduce((sum, entry) => sum + entry.size, 0),
        digest: filesDigest(delta.entries.values()),
      },
      tables: copy.tables.map((table) => ({
        table: table.table,
        rows: table.sourceRows,
        hash: table.sourceHash,
      })),
    };
    journal.data.freeze = { at: new Date().toISOString(), fingerprint, tables: copy.tables };
    journal.data.configSha256Before = fingerprint.configSha256;
    journal.data.database = {
      tables: copy.tables,
      rows: copy.rows,
      bytes: copy.bytes,
      copyMs: copy.copyMs,
      verifyMs: copy.verifyMs,
    };
    await journal.phase('switch', 'copied');
    crashPoint('switch:copied');

    await timed('config', async () => {
      if (!existsSync(standalone.backupFile)) {
        await copyFile(standalone.configFile, standalone.backupFile);
        await chmod(standalone.backupFile, 0o600);
      }
      const next = configFor(standalone.source, options.targetUrl);
      await writeFileAtomic(standalone.configFile, JSON.stringify(next, null, 2) + '\n', 0o600);
    });
    journal.data.configBackup = standalone.backupFile;
    window.configBackup = standalone.backupFile;
    await journal.phase('switch', 'config');
    crashPoint('switch:config');
    return { responder, source };
  } catch (error) {
    await responder?.close();
    await source.close().catch(() => undefined);
    throw error;
  }
}

/** Drains the node: no new tasks; waits for running ones, cancels what is left after the timeout. */
async function drain(context: StepContext, source: SourceDb, timeoutSeconds: number): Promise<number> {
  const name = context.standalone.source.name;
  await updateNode(source.pool, name, { drain: true }, context.by);
  const running = async () =>
    (
      await source.pool.query<{ id: string }>(
        `select id::text from tasks where state = 'executing' and node = $1 order by id`,
        [name],
      )
    ).rows;
  const waitEmpty = async (ms: number, what: string) => {
    const deadline = Date.now() + ms;
    let tasks = await running();
    const total = tasks.length;
    let reported = 0;
    const counter = context.progress.counter('drain', what, { bytes: 0, items: total, unit: 'tasks' });
    while (tasks.length > 0 && Date.now() < deadline) {
      await sleep(200);
      tasks = await running();
      const finished = Math.max(0, total - tasks.length);
      counter.add(0, finished - reported);
      reported = finished;
    }
    counter.done();
    return tasks;
  };
  const left = await waitEmpty(timeoutSeconds * 1000, 'waiting for running tasks to finish');
  if (left.length === 0) return 0;
  for (const task of left) await cancelTask(source.pool, task.id, context.by);
  context.progress.note('drain', `canceled ${left.length} task(s) still running after ${timeoutSeconds} s`);
  // Whatever still runs after this is handed back by the node's own shutdown.
  await waitEmpty(CANCEL_WAIT_MS, 'waiting for canceled tasks to stop');
  return left.length;
}
