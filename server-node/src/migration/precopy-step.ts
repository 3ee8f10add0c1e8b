import type { MigrationFilesDto, MigrationResultDto } from '../api/index.js';
import { UserError } from '../user-error.js';
import { auditStep } from './audit-step.js';
import type { FileCopyResult } from './copy-files.js';
import { copyFiles } from './copy-files.js';
import { crashPoint } from './crash-points.js';
import { findNodePid } from './node-control.js';
import { refuseAfterSwitch } from './preflight-step.js';
import { formatBytes } from './progress.js';
import { rehearse } from './rehearsal.js';
import { writeReport } from './reports.js';
import { openSourceDb } from './standalone.js';
import type { StepContext } from './step-context.js';
import { commandLine, shownUrl, stepResult } from './step-context.js';

// `migrate precopy`: while the standalone keeps serving, copies its packages, artifacts and task logs
// to the share by the manifest (verified by reading back), then rehearses the database copy into a
// scratch schema on the target and says how long the switch's window will be. Run it as often as
// wanted: each run copies only what changed, and measures again.

export interface PrecopyOptions {
  targetUrl: string;
  sharedDir: string;
}

/** The earlier step ran for this same target, and passed. */
export function requirePreflight(context: StepContext, options: PrecopyOptions, step: string): void {
  const { journal } = context;
  if (journal.state('preflight') !== 'done') {
    throw new UserError(
      `Run preflight first, and let it pass: ${commandLine('preflight', context.home, ['--shared', options.sharedDir])}`,
    );
  }
  if (journal.targetDb !== shownUrl(options.targetUrl) || journal.targetSharedDir !== options.sharedDir) {
    throw new UserError(
      `Preflight checked ${journal.targetDb} and ${journal.targetSharedDir}; ${step} was given ` +
        `${shownUrl(options.targetUrl)} and ${options.sharedDir}. Run preflight again for the new target.`,
    );
  }
}

/** The copy's result as the journal and the result keep it: without the per-file list. */
export function withoutEntries(copied: FileCopyResult): MigrationFilesDto {
  return {
    manifest: copied.manifest,
    filesTotal: copied.filesTotal,
    bytesTotal: copied.bytesTotal,
    filesCopied: copied.filesCopied,
    bytesCopied: copied.bytesCopied,
    filesRemoved: copied.filesRemoved,
    ms: copied.ms,
  };
}

export async function runPrecopy(context: StepContext, options: PrecopyOptions): Promise<MigrationResultDto> {
  const started = new Date();
  const { journal, standalone } = context;
  refuseAfterSwitch(context, 'precopy');
  requirePreflight(context, options, 'precopy');
  await journal.begin('precopy', context.by);
  const db = await openSourceDb(standalone.source);
  try {
    const sourceSharedDir = journal.data.sourceSharedDir!;
    const copied = await copyFiles({
      sourceDir: sourceSharedDir,
      targetDir: options.sharedDir,
      progress: context.progress,
      phase: 'files',
    });
    const files = withoutEntries(copied);
    journal.data.precopy = files;
    await journal.phase('precopy', 'files');
    crashPoint('precopy:files');

    const rehearsal = await rehearse({
      sourceUrl: db.url,
      targetUrl: options.targetUrl,
      sourceSharedDir,
      targetSharedDir: options.sharedDir,
      files,
      nodeRunning: (await findNodePid(context.home)) !== null,
      progress: context.progress,
    });
    journal.data.rehearsal = rehearsal;
    const reports = await writeReport(context.home, options.sharedDir, 'precopy', {
      at: started.toISOString(),
      by: context.by,
      files,
      rehearsal,
    });
    journal.data.reports = [...new Set([...(journal.data.reports ?? []), ...reports])];
    if (!context.dryRun) {
      await auditStep(db.pool, context.by, 'precopy', {
        filesCopied: files.filesCopied,
        bytesCopied: files.bytesCopied,
        predictedWindowMs: rehearsal.predictedWindowMs,
      });
    }
    const seconds = (rehearsal.predictedWindowMs / 1000).toFixed(1);
    const summary =
      `${files.filesTotal} files (${formatBytes(files.bytesTotal)}) on the share, ${files.filesCopied} copied now; ` +
      `rehearsal copied ${rehearsal.dbRows} rows in ${rehearsal.dbCopyMs} ms; window about ${seconds} s`;
    await journal.finish('precopy', 'done', summary);
    return stepResult(context, 'precopy', started, {
      state: 'done',
      message:
        `Precopy done: ${summary}. The switch will stop the node for about ${seconds} s ` +
        `(maintenance on until the node serves on the new database).`,
      next: commandLine('switch', context.home, ['--shared', options.sharedDir, '--start']),
      files,
      rehearsal,
      reports,
    });
  } catch (error) {
    await journal.finish('precopy', 'failed', null, (error as Error).message);
    throw error;
  } finally {
    await db.close();
  }
}
