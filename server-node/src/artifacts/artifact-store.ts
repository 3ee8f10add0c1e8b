import { mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ArtifactDto } from '../api/index.js';

// A task's artifacts sit beside its logs in shared storage (<shared>/tasks/<id>/artifacts), so any
// node serves them and retention removes them with the logs.

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

export async function listArtifacts(sharedDir: string, taskId: string): Promise<ArtifactDto[]> {
  const dir = artifactsDir(sharedDir, taskId);
  const names = await readdir(dir).catch(() => [] as string[]);
  const artifacts: ArtifactDto[] = [];
  for (const name of names.filter(isArtifactName).sort()) {
    const info = await stat(path.join(dir, name)).catch(() => null);
    if (info?.isFile()) artifacts.push({ name, sizeBytes: info.size, modifiedAt: info.mtime.toISOString() });
  }
  return artifacts;
}
