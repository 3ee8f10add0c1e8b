import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { MigrationFilesDto } from '../api/index.js';
import { crashPoint } from './crash-points.js';
import type { ManifestEntry, SourceFile } from './file-manifest.js';
import { FileManifest, PART_SUFFIX, listStorageFiles, sha256File } from './file-manifest.js';
import type { Progress } from './progress.js';

// Carries the standalone's storage (packages, task logs, artifacts) to the share by the manifest:
// a file is copied when the manifest does not have it with the same size and modification time. Each copy goes to a `.flotilla-part` file, is fsynced and renamed into place,
// then read back from the share and compared with the sha256 taken while reading the source. The
// precopy runs this while the source serves; the switch runs it again (the delta) once the node is
// stopped, when nothing can change any more.

/** Files in flight at once: many small task logs are latency-bound, a few packages bandwidth-bound. */
const PARALLEL_FILES = 16;
/** How often appended manifest lines are fsynced while copying. */
const MANIFEST_SYNC_MS = 2000;

export interface FileCopyResult extends MigrationFilesDto {
  entries: Map<string, ManifestEntry>;
}

async function copyOne(file: SourceFile, targetRoot: string): Promise<ManifestEntry> {
  const target = path.join(targetRoot, ...file.path.split('/'));
  const part = target + PART_SUFFIX;
  await mkdir(path.dirname(target), { recursive: true });
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  // flush: the data is fsynced before the file is closed, so what is renamed into place is on disk.
  await pipeline(
    createReadStream(file.absolute, { highWaterMark: 1024 * 1024 }),
    tap,
    createWriteStream(part, { mode: 0o644, flush: true }),
  );
  await rename(part, target);
  const sha256 = hash.digest('hex');
  // Read back from the share: what landed there is what verify will find.
  const landed = await sha256File(target);
  if (landed !== sha256) {
    throw new Error(`${target}: the copy reads back with sha256 ${landed}, the source had ${sha256}`);
  }
  return { path: file.path, size, mtimeMs: file.mtimeMs, sha256 };
}

/**
 * A file is copied again when the manifest does not have it with this size and time. The manifest is
 * only written once a copy has been read back from the share; a copy damaged or removed there later is
 * what verify is for (it reads every file back).
 */
function needsCopy(file: SourceFile, entry: ManifestEntry | undefined): boolean {
  return !entry || entry.size !== file.size || entry.mtimeMs !== file.mtimeMs;
}

interface CopyPlan {
  files: SourceFile[];
  pending: SourceFile[];
  /** Manifest paths whose source file is gone. */
  gone: string[];
}

/** What a copy would do: every source file, those to copy, those gone from the source. */
async function planCopy(sourceDir: string, manifest: FileManifest): Promise<CopyPlan> {
  const files = await listStorageFiles(sourceDir);
  const present = new Set(files.map((file) => file.path));
  return {
    files,
    pending: files.filter((file) => needsCopy(file, manifest.entries.get(file.path))),
    gone: [...manifest.entries.keys()].filter((relative) => !present.has(relative)),
  };
}

export async function copyFiles(options: {
  sourceDir: string;
  targetDir: string;
  progress: Progress;
  phase: string;
}): Promise<FileCopyResult> {
  const started = performance.now();
  const manifest = await FileManifest.open(options.targetDir);
  try {
    const { files, pending, gone } = await planCopy(options.sourceDir, manifest);
    let removed = 0;
    for (const relative of gone) {
      await rm(path.join(options.targetDir, ...relative.split('/')), { force: true });
      await manifest.remove(relative);
      removed++;
    }
    const bytes = pending.reduce((sum, file) => sum + file.size, 0);
    const counter = options.progress.counter(
      options.phase,
      `copying ${pending.length} of ${files.length} files to ${options.targetDir}`,
      { bytes, items: pending.length, unit: 'files' },
    );
    let copiedBytes = 0;
    let copiedFiles = 0;
    let lastSync = performance.now();
    const queue = [...pending];
    const half = Math.ceil(pending.length / 2);
    await Promise.all(
      Array.from({ length: Math.min(PARALLEL_FILES, queue.length) }, async () => {
        for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
          const entry = await copyOne(file, options.targetDir);
          await manifest.record(entry);
          copiedBytes += entry.size;
          copiedFiles++;
          counter.add(entry.size, 1);
          if (copiedFiles === half) {
            await manifest.sync();
            crashPoint(`${options.phase}-midway`);
          }
          if (performance.now() - lastSync > MANIFEST_SYNC_MS) {
            lastSync = performance.now();
            await manifest.sync();
          }
        }
      }),
    );
    await manifest.compact();
    counter.done(`${copiedFiles} files copied, ${files.length - copiedFiles} already on the share`);
    return {
      manifest: manifest.file,
      filesTotal: files.length,
      bytesTotal: files.reduce((sum, file) => sum + file.size, 0),
      filesCopied: copiedFiles,
      bytesCopied: copiedBytes,
      filesRemoved: removed,
      ms: Math.round(performance.now() - started),
      entries: manifest.entries,
    };
  } finally {
    await manifest.close();
  }
}

/**
 * What the switch's delta would copy now, without copying: the files, their bytes, and how long finding
 * them took (walking the whole storage and checking every copy is most of a small delta's time).
 */
export async function pendingDelta(
  sourceDir: string,
  targetDir: string,
): Promise<{ files: number; bytes: number; planMs: number }> {
  const started = performance.now();
  const manifest = await FileManifest.open(targetDir);
  await manifest.close();
  const plan = await planCopy(sourceDir, manifest);
  return {
    files: plan.pending.length + plan.gone.length,
    bytes: plan.pending.reduce((sum, file) => sum + file.size, 0),
    planMs: Math.round(performance.now() - started),
  };
}
