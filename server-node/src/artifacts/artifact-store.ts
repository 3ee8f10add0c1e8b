import type { Stats } from 'node:fs';
import { constants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { lstat, mkdir, open, readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { ArtifactDto } from '../api/index.js';

// A task's artifacts sit beside its logs in shared storage (<shared>/tasks/<id>/artifacts), so any
// node serves them and retention removes them with the logs.
//
// Scripts write into that folder, and anyone who may read a task may download its artifacts. So
// nothing is followed: a link (to the node's flotilla.json with the master key, to /etc, anywhere)
// or anything else that is not a regular file of its own is refused, looked at with lstat and opened
// with O_NOFOLLOW, and the folders on the way there must be real folders too.

export function artifactsDir(sharedDir: string, taskId: string): string {
  return path.join(sharedDir, 'tasks', taskId, 'artifacts');
}

export async function ensureArtifactsDir(sharedDir: string, taskId: string): Promise<string> {
  const dir = artifactsDir(sharedDir, taskId);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** A plain file name: no separators, no leading dot, nothing that could reach outside the folder. */
export function isArtifactName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/.test(name) && !name.includes('..');
}

/** An artifact (or the folder holding it) that is not a regular file; the message says what it is. */
export class ArtifactRefused extends Error {
  override name = 'ArtifactRefused';
}

export interface RefusedArtifact {
  name: string;
  /** What it is instead of a regular file: "a symbolic link", "a folder", … */
  what: string;
  link: boolean;
}

/** What an entry is when it is not a regular file, or null for a regular file. Never follows a link. */
function notRegular(stats: Stats): string | null {
  // A second name for a file elsewhere (the node's config, say) is a link too.
  if (stats.isFile()) return stats.nlink > 1 ? 'a hard link (the same file as another name)' : null;
  if (stats.isSymbolicLink()) return 'a symbolic link';
  if (stats.isDirectory()) return 'a folder';
  return 'not a regular file (a pipe, socket or device)';
}

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

/**
 * The task's artifacts folder, each step down from the shared folder checked with lstat: null when it
 * does not exist, ArtifactRefused naming the step when any of tasks/, tasks/<id>/ or artifacts/ is not
 * a real folder (a script can replace its own folder with a link to anywhere).
 */
async function checkedArtifactsDir(sharedDir: string, taskId: string): Promise<string | null> {
  let dir = sharedDir;
  for (const part of ['tasks', taskId, 'artifacts']) {
    dir = path.join(dir, part);
    let stats: Stats;
    try {
      stats = await lstat(dir);
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
    if (!stats.isDirectory()) {
      const rel = path.relative(sharedDir, dir).split(path.sep).join('/');
      throw new ArtifactRefused(`${rel} is ${notRegular(stats) ?? 'a file'}`);
    }
  }
  return dir;
}

/** The regular files among a task's artifacts, what else is there, and whether the folder itself is refused. */
async function scanArtifacts(
  sharedDir: string,
  taskId: string,
): Promise<{
  dir: string | null;
  artifacts: ArtifactDto[];
  refused: RefusedArtifact[];
  folder: string | null;
}> {
  let dir: string | null;
  try {
    dir = await checkedArtifactsDir(sharedDir, taskId);
  } catch (error) {
    if (error instanceof ArtifactRefused)
      return { dir: null, artifacts: [], refused: [], folder: error.message };
    throw error;
  }
  if (!dir) return { dir, artifacts: [], refused: [], folder: null };
  const names = await readdir(dir).catch(() => [] as string[]);
  const artifacts: ArtifactDto[] = [];
  const refused: RefusedArtifact[] = [];
  for (const name of names.filter(isArtifactName).sort()) {
    const info = await lstat(path.join(dir, name)).catch(() => null);
    if (!info) continue;
    const what = notRegular(info);
    if (what) refused.push({ name, what, link: info.isSymbolicLink() || info.isFile() });
    else artifacts.push({ name, sizeBytes: info.size, modifiedAt: info.mtime.toISOString() });
  }
  return { dir, artifacts, refused, folder: null };
}

/** The task's artifacts: regular files only; links and everything else are left out. */
export async function listArtifacts(sharedDir: string, taskId: string): Promise<ArtifactDto[]> {
  return (await scanArtifacts(sharedDir, taskId)).artifacts;
}

/**
 * After a script ran: removes the links it left among the artifacts (unlinking removes the link, never
 * what it points to), so nothing that reads shared storage later follows them, and returns a line
 * for the task log about each entry that is not kept as an artifact.
 */
export async function collectArtifacts(sharedDir: string, taskId: string): Promise<string[]> {
  const { dir, refused, folder } = await scanArtifacts(sharedDir, taskId);
  if (folder)
    return [`artifacts refused: ${folder}, not a folder; write files into $FLOTILLA_ARTIFACTS itself`];
  const lines: string[] = [];
  for (const entry of refused) {
    const removed =
      entry.link &&
      dir !== null &&
      (await unlink(path.join(dir, entry.name)).then(
        () => true,
        () => false,
      ));
    lines.push(
      `artifact '${entry.name}' refused${removed ? ' and removed' : ''}: it is ${entry.what}; ` +
        'copy the file into $FLOTILLA_ARTIFACTS instead (only regular files are kept)',
    );
  }
  return lines;
}

/**
 * Opens an artifact for download: null when there is none by that name, ArtifactRefused when it (or a
 * folder on the way) is a link or not a regular file. The file is opened without following a link and
 * checked on the open handle, so it cannot be swapped for a link in between.
 */
export async function openArtifact(
  sharedDir: string,
  taskId: string,
  name: string,
): Promise<{ sizeBytes: number; stream: Readable } | null> {
  const refuse = (what: string) =>
    new ArtifactRefused(
      `Task ${taskId}'s artifact '${name}' is ${what}; only regular files are served ` +
        '(a script should copy a file into $FLOTILLA_ARTIFACTS, not link to it)',
    );
  let dir: string | null;
  try {
    dir = await checkedArtifactsDir(sharedDir, taskId);
  } catch (error) {
    if (error instanceof ArtifactRefused) {
      throw new ArtifactRefused(
        `Task ${taskId}'s artifacts are not in a real folder (${error.message}); only regular files are served`,
      );
    }
    throw error;
  }
  if (!dir) return null;
  const file = path.join(dir, name);
  const before = await lstat(file).catch((error: unknown) => {
    if (isMissing(error)) return null;
    throw error;
  });
  if (!before) return null;
  const what = notRegular(before);
  if (what) throw refuse(what);
  let handle: FileHandle;
  try {
    // O_NONBLOCK: a pipe swapped in after the lstat must not hang the request.
    handle = await open(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw refuse('a symbolic link');
    if (isMissing(error)) return null;
    throw error;
  }
  const stats = await handle.stat();
  const now = notRegular(stats);
  if (now) {
    await handle.close();
    throw refuse(now);
  }
  return { sizeBytes: stats.size, stream: handle.createReadStream() };
}
