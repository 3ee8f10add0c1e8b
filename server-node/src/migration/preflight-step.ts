import pg from 'pg';
import type { MigrationCheckDto, MigrationResultDto } from '../api/index.js';
import { NODE_CONNECTIONS, nodeConnectionsAtMost } from '../node/node-runtime.js';
import { readClusterRow } from '../sql/cluster-row.js';
import { UserError } from '../user-error.js';
import { auditStep } from './audit-step.js';
import { allPass, fail, pass } from './check.js';
import { listStorageFiles } from './file-manifest.js';
import { writeReport } from './reports.js';
import { checkNonce, checkSharedForSource, checkSharedWritable } from './shared-folder-checks.js';
import { sameDatabase } from './same-database.js';
import { checkSource } from './source-checks.js';
import { openSourceDb } from './standalone.js';
import type { StepContext } from './step-context.js';
import { commandLine, shownUrl, stepResult } from './step-context.js';
import { checkTargetDatabase } from './target-database-checks.js';

// `migrate preflight`: changes nothing (beyond its nonce file on the share, its report and its audit
// entry); every check says PASS or FAIL and, when it fails, what to do.

export interface PreflightOptions {
  targetUrl: string;
  sharedDir: string;
  plannedNodes: number;
}

/** The switch has begun: the earlier steps are behind us until a rollback. */
export function refuseAfterSwitch(context: StepContext, step: string): void {
  const state = context.journal.state('switch');
  if (state !== 'pending' && !context.journal.rolledBack) {
    throw new UserError(
      `The switch has already started (${state}): ${step} no longer applies. Continue with ` +
        `'${commandLine('switch', context.home)}', check with '${commandLine('verify', context.home)}', ` +
        `or go back with '${commandLine('rollback', context.home)}'.`,
    );
  }
}

/** The target must not be the standalone's own database (the switch empties the target first). */
async function checkDistinct(source: pg.Pool, targetUrl: string): Promise<MigrationCheckDto> {
  const title = "Not the standalone's own database";
  const target = new pg.Client({ connectionString: targetUrl, connectionTimeoutMillis: 5000 });
  target.on('error', () => undefined);
  const client = await source.connect();
  try {
    await target.connect();
    return (await sameDatabase(client, target))
      ? fail(
          'target.distinct',
          title,
          'the target URL reaches the standalone’s embedded database itself',
          'Give the URL of the new, external database.',
        )
      : pass('target.distinct', title, 'a database of its own');
  } finally {
    client.release();
    await target.end().catch(() => undefined);
  }
}

export async function runPreflight(
  context: StepContext,
  options: PreflightOptions,
): Promise<MigrationResultDto> {
  const started = new Date();
  const { journal, standalone } = context;
  refuseAfterSwitch(context, 'preflight');
  journal.setTarget(shownUrl(options.targetUrl), options.sharedDir);
  await journal.begin('preflight', context.by);
  context.progress.note('checks', 'checking the source, the target database and the shared folder');
  const db = await openSourceDb(standalone.source);
  try {
    const cluster = await readClusterRow(db.pool);
    if (!cluster) throw new UserError('The standalone database holds no cluster: is this a Flotilla home?');
    journal.setClusterId(cluster.cluster_id);
    journal.data.sourceSharedDir = cluster.shared_dir;
    const checks: MigrationCheckDto[] = await checkSource(db.pool, standalone.source.name);
    const files = await listStorageFiles(cluster.shared_dir);
    const bytes = files.reduce((sum, file) => sum + file.size, 0);
    checks.push(
      pass('source.storage', 'Source storage readable', `${files.length} files in ${cluster.shared_dir}`),
    );
    const shared = await checkSharedForSource({
      sharedDir: options.sharedDir,
      sourceSharedDir: cluster.shared_dir,
      clusterId: cluster.cluster_id,
      bytesToCopy: bytes,
    });
    checks.push(...shared.checks);
    const target = await checkTargetDatabase(options.targetUrl, {
      clusterId: cluster.cluster_id,
      // This node keeps its own pool size; the nodes that join later start with the default.
      nodeConnections: [
        nodeConnectionsAtMost(standalone.source),
        ...Array.from({ length: options.plannedNodes - 1 }, () => NODE_CONNECTIONS.total),
      ],
    });
    checks.push(...target.checks);
    if (target.checks.some((check) => check.id === 'target.reachable' && check.status === 'pass')) {
      checks.push(await checkDistinct(db.pool, options.targetUrl));
    }
    if (shared.nonce) journal.data.nonce = shared.nonce;
    const ok = allPass(checks);
    const failed = checks.filter((check) => check.status === 'fail');
    const shareUsable = shared.checks.every((check) => check.status !== 'fail');
    const reports = await writeReport(context.home, shareUsable ? options.sharedDir : null, 'preflight', {
      at: started.toISOString(),
      by: context.by,
      target: shownUrl(options.targetUrl),
      sharedDir: options.sharedDir,
      plannedNodes: options.plannedNodes,
      checks,
    });
    journal.data.reports = [...new Set([...(journal.data.reports ?? []), ...reports])];
    if (!context.dryRun) {
      await auditStep(db.pool, context.by, 'preflight', { ok, failed: failed.map((check) => check.id) });
    }
    const summary = ok
      ? `all ${checks.length} checks pass`
      : `${failed.length} of ${checks.length} checks fail: ${failed.map((check) => check.id).join(', ')}`;
    await journal.finish('preflight', ok ? 'done' : 'failed', summary);
    return stepResult(context, 'preflight', started, {
      state: ok ? 'done' : 'failed',
      message: ok
        ? `Preflight passed (${checks.length} checks). Next: the precopy (the standalone keeps serving).`
        : `Preflight failed: ${failed.map((check) => `${check.title}: ${check.detail}`).join('; ')}.`,
      next: ok ? commandLine('precopy', context.home, ['--shared', options.sharedDir]) : null,
      checks,
      reports,
      ...(shared.nonce ? { nonce: shared.nonce } : {}),
    });
  } catch (error) {
    await journal.finish('preflight', 'failed', null, (error as Error).message);
    throw error;
  } finally {
    await db.close();
  }
}

/**
 * `migrate preflight --peer`: run on every other host that will be a node. Needs no home: checks the
 * share (writable, and the same folder as the source host's, by its nonce) and, with a target URL,
 * that this host reaches the database and its clock agrees.
 */
export async function runPeerPreflight(options: {
  sharedDir: string;
  nonce: string;
  targetUrl: string | null;
  plannedNodes: number;
  by: string;
}): Promise<MigrationResultDto> {
  const started = new Date();
  const checks = await checkSharedWritable(options.sharedDir);
  if (checks.every((check) => check.status !== 'fail'))
    checks.push(await checkNonce(options.sharedDir, options.nonce));
  if (options.targetUrl) {
    const target = await checkTargetDatabase(options.targetUrl, {
      clusterId: null,
      nodeConnections: Array.from({ length: options.plannedNodes }, () => NODE_CONNECTIONS.total),
    });
    checks.push(...target.checks.filter((check) => check.id === 'target.reachable' || check.id === 'clock'));
  } else {
    checks.push(
      fail(
        'target.reachable',
        'Target PostgreSQL reachable',
        'no target URL given',
        'Give --db URL or FLOTILLA_TARGET_DB_URL to check this host reaches the database.',
      ),
    );
  }
  const ok = allPass(checks);
  const finished = new Date();
  return {
    type: 'result',
    step: 'preflight',
    state: ok ? 'done' : 'failed',
    ok,
    dryRun: false,
    by: options.by,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    message: ok
      ? 'This host sees the same shared folder and reaches the target database.'
      : `This host is not ready: ${checks
          .filter((check) => check.status === 'fail')
          .map((check) => `${check.title}: ${check.detail}`)
          .join('; ')}.`,
    next: null,
    checks,
    reports: [],
    source: { home: '', node: '', sharedDir: null, clusterId: null },
    target: { db: options.targetUrl ? shownUrl(options.targetUrl) : null, sharedDir: options.sharedDir },
  };
}
