import { randomBytes } from 'node:crypto';
import type { MigrationFilesDto, MigrationRehearsalDto } from '../api/index.js';
import { UserError } from '../user-error.js';
import { copyDatabase, dropScratchSchemas } from './copy-database.js';
import { pendingDelta } from './copy-files.js';
import type { Progress } from './progress.js';

// The precopy's rehearsal: the database copied exactly as the switch will copy it, but into a scratch
// schema on the target, verified, and dropped. It proves the copy works against this server and
// measures it, so the admin learns how long the window will be before committing to it.

/**
 * The parts of the window the rehearsal cannot measure, in milliseconds (measured on the 2-core build
 * machines; generous rather than optimistic): the node's clean shutdown, the CLI starting the
 * embedded database again after it, writing the config / shared path / sentinel, and the node's start
 * on the new database up to its first 200 ping.
 */
export const WINDOW_CONSTANTS = { stop: 700, sourceDbStart: 300, config: 50, start: 2000 } as const;

/** Files copied per second when the precopy copied too few to measure. */
const DEFAULT_BYTES_PER_MS = 100_000;
/** What one small file costs in the delta (open, write, fsync, rename, read back), spread over parallel copies. */
const MS_PER_FILE = 0.5;

export function predictWindow(options: {
  nodeRunning: boolean;
  files: MigrationFilesDto | undefined;
  delta: { files: number; bytes: number; planMs: number };
  dbPrepareMs: number;
  dbCopyMs: number;
  dbVerifyMs: number;
}): { predictedWindowMs: number; breakdown: Record<string, number> } {
  const { files } = options;
  const bytesPerMs =
    files && files.bytesCopied > 10 * 1024 * 1024 && files.ms > 0
      ? files.bytesCopied / files.ms
      : DEFAULT_BYTES_PER_MS;
  const breakdown: Record<string, number> = {
    stop: options.nodeRunning ? WINDOW_CONSTANTS.stop : 0,
    sourceDbStart: WINDOW_CONSTANTS.sourceDbStart,
    delta: Math.round(
      options.delta.planMs + options.delta.bytes / bytesPerMs + options.delta.files * MS_PER_FILE,
    ),
    databasePrepare: options.dbPrepareMs,
    database: options.dbCopyMs,
    verify: options.dbVerifyMs,
    config: WINDOW_CONSTANTS.config,
    start: WINDOW_CONSTANTS.start,
  };
  // The delta runs beside the database copy, and on two cores they slow each other down (the storage
  // walk and the COPY streams share the CLI's event loop, the two PostgreSQL servers the rest): the longer
  // of the two, plus half the shorter (measured: 1.0-1.3x the rehearsal's figures idle, up to 1.6x with
  // the cores busy when only the longer was counted).
  const database = breakdown.databasePrepare! + breakdown.database! + breakdown.verify!;
  breakdown.contention = Math.round(Math.min(breakdown.delta!, database) / 2);
  const predictedWindowMs =
    breakdown.stop! +
    breakdown.sourceDbStart! +
    Math.max(breakdown.delta!, database) +
    breakdown.contention +
    breakdown.config! +
    breakdown.start!;
  return { predictedWindowMs, breakdown };
}

export async function rehearse(options: {
  sourceUrl: string;
  targetUrl: string;
  sourceSharedDir: string;
  targetSharedDir: string;
  files: MigrationFilesDto | undefined;
  nodeRunning: boolean;
  progress: Progress;
}): Promise<MigrationRehearsalDto> {
  const scratch = `flotilla_rehearsal_${randomBytes(4).toString('hex')}`;
  await dropScratchSchemas(options.targetUrl);
  options.progress.note('rehearsal', `copying the database into scratch schema ${scratch} on the target`);
  let copy;
  try {
    copy = await copyDatabase({
      sourceUrl: options.sourceUrl,
      targetUrl: options.targetUrl,
      scratchSchema: scratch,
      progress: options.progress,
    });
  } finally {
    await dropScratchSchemas(options.targetUrl).catch(() => undefined);
  }
  if (!copy.ok) {
    const bad = [
      ...copy.tables.filter((table) => table.state !== 'equal').map((table) => `table ${table.table}`),
      ...copy.sequences.filter((sequence) => !sequence.ok).map((sequence) => `sequence ${sequence.name}`),
    ];
    throw new UserError(
      `The rehearsal copy did not verify (${bad.join(', ')} differ). Do not switch: report this with the ` +
        `precopy report; the standalone is untouched.`,
    );
  }
  // Finding the delta is a fixed amount of work (a walk of the whole storage) whose time the rest of the
  // machine disturbs: measured twice, the quicker run is the one that says what it costs.
  const first = await pendingDelta(options.sourceSharedDir, options.targetSharedDir);
  const second = await pendingDelta(options.sourceSharedDir, options.targetSharedDir);
  const delta = { ...second, planMs: Math.min(first.planMs, second.planMs) };
  const prediction = predictWindow({
    nodeRunning: options.nodeRunning,
    files: options.files,
    delta,
    dbPrepareMs: copy.prepareMs,
    dbCopyMs: copy.copyMs,
    dbVerifyMs: copy.verifyMs,
  });
  return {
    scratch,
    dbRows: copy.rows,
    dbBytes: copy.bytes,
    dbCopyMs: copy.copyMs,
    dbVerifyMs: copy.verifyMs,
    deltaFiles: delta.files,
    deltaBytes: delta.bytes,
    ...prediction,
  };
}
