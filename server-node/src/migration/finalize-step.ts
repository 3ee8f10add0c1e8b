import { readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { MigrationResultDto } from '../api/index.js';
import { UserError } from '../user-error.js';
import { archiveDataFolder } from './archive-data-folder.js';
import { auditStep } from './audit-step.js';
import { dropScratchSchemas } from './copy-database.js';
import { PART_SUFFIX } from './file-manifest.js';
import { migrationDir } from './migration-journal.js';
import { responderFile } from './port-handoff.js';
import { writeReport } from './reports.js';
import { nonceFile } from './shared-folder-checks.js';
import { stopOrphanPostmaster } from './standalone.js';
import type { StepContext } from './step-context.js';
import { stepResult } from './step-context.js';

// `migrate finalize`: the end of the road back. The embedded data folder becomes an archive (tar +
// sha256) with the old config beside it, the migration's scratch goes (rehearsal schemas, half-copied
// files, the nonce, the responder's record), and the reports (preflight, precopy, switch, verify,
// timings) stay in the shared folder for whoever runs the cluster next.

async function removePartFiles(dir: string): Promise<number> {
  let removed = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const absolute = path.join(dir, entry.name);
    if (entry.isDirectory()) removed += await removePartFiles(absolute);
    else if (entry.name.endsWith(PART_SUFFIX)) {
      await rm(absolute, { force: true });
      removed++;
    }
  }
  return removed;
}

export async function runFinalize(context: StepContext): Promise<MigrationResultDto> {
  const started = new Date();
  const { journal, standalone } = context;
  if (journal.rolledBack)
    throw new UserError('This migration was rolled back: there is nothing to finalize.');
  if (journal.state('verify') !== 'done' || !standalone.switched) {
    throw new UserError(
      'Finalize only after verify has passed: it removes the way back (the embedded database is archived).',
    );
  }
  await journal.begin('finalize', context.by);
  try {
    const sharedDir = journal.targetSharedDir!;
    const targetUrl = standalone.current.dbUrl;
    const dataDir = standalone.source.embedded.dataDir;
    await stopOrphanPostmaster(dataDir);
    const archiveDir = path.join(migrationDir(context.home), 'archive');
    const archive = journal.data.archive ?? (await archiveDataFolder(dataDir, archiveDir, context.progress));
    journal.data.archive = archive;
    await journal.phase('finalize', 'archived');
    // The old config (it holds the embedded database's password) goes with the archive.
    await rename(standalone.backupFile, path.join(archiveDir, path.basename(standalone.backupFile))).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      },
    );
    await rm(dataDir, { recursive: true, force: true });

    const scratch = await dropScratchSchemas(targetUrl).catch(() => [] as string[]);
    const parts = await removePartFiles(sharedDir);
    await rm(nonceFile(sharedDir), { force: true });
    await rm(responderFile(context.home), { force: true });
    // A rollback's copy of the new config (the current one says the same).
    await rm(standalone.configFile + '.migrated', { force: true });

    const timings = {
      precopy: journal.data.precopy,
      rehearsal: journal.data.rehearsal,
      window: journal.data.window,
      database: journal.data.database && {
        rows: journal.data.database.rows,
        bytes: journal.data.database.bytes,
        copyMs: journal.data.database.copyMs,
        verifyMs: journal.data.database.verifyMs,
      },
      steps: journal.toDto().steps,
    };
    const reports = [
      ...(await writeReport(context.home, sharedDir, 'timings', timings)),
      ...(await writeReport(context.home, sharedDir, 'finalize', {
        at: started.toISOString(),
        by: context.by,
        archive,
      })),
    ];
    journal.data.reports = [...new Set([...(journal.data.reports ?? []), ...reports])];
    const db = new pg.Pool({ connectionString: targetUrl, max: 1 });
    db.on('error', () => undefined);
    await auditStep(db, context.by, 'finalize', { archive: archive.path, sha256: archive.sha256 }).finally(
      () => db.end(),
    );
    journal.markFinalized();
    await journal.finish('finalize', 'done', `archived to ${archive.path}`);
    return stepResult(context, 'finalize', started, {
      state: 'done',
      message:
        `Finalized: the embedded database is archived in ${archive.path} (sha256 ${archive.sha256.slice(0, 12)}…), ` +
        `${scratch.length} scratch schema(s) and ${parts} half-copied file(s) removed; reports are in ` +
        `${path.join(sharedDir, '.flotilla-migration', 'reports')}. The standalone's old storage folder ` +
        `(${journal.data.sourceSharedDir}) is left in place: remove it when you no longer want it.`,
      archive,
      reports,
    });
  } catch (error) {
    await journal.finish('finalize', 'failed', null, (error as Error).message);
    throw error;
  }
}
