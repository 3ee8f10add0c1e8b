import path from 'node:path';
import type { PackageFormat } from '../packages/archive-entries.js';
import { forEachEntry } from '../packages/archive-entries.js';
import type { PackageLimits } from '../packages/package-limits.js';
import type { TargetHost } from './target-host.js';

/**
 * Streams a package's entries from shared storage into `dir` on a host. Every entry path is checked
 * again here (forEachEntry), and so are the cluster's limits as they are now, so a package put into
 * the share by other means cannot escape or fill the host's disk either. Returns how many files were
 * written.
 */
export async function extractToHost(
  host: TargetHost,
  archive: { file: string; format: PackageFormat; limits: PackageLimits },
  dir: string,
  signal: AbortSignal,
): Promise<number> {
  const made = new Set<string>(['']);
  const ensureDir = async (relative: string) => {
    const parts = relative.split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const sub = parts.slice(0, i).join('/');
      if (made.has(sub)) continue;
      await host.mkdir(path.posix.join(dir, sub));
      made.add(sub);
    }
  };
  let files = 0;
  await forEachEntry(archive.file, archive.format, archive.limits, async (entry) => {
    if (signal.aborted) throw signal.reason as Error;
    if (entry.directory) {
      await ensureDir(entry.path);
      return;
    }
    await ensureDir(path.posix.dirname(entry.path) === '.' ? '' : path.posix.dirname(entry.path));
    // Permission bits only: no setuid/setgid from a package.
    const mode = (entry.mode ?? 0o644) & 0o777;
    await host.writeFile(path.posix.join(dir, entry.path), await entry.open(), mode);
    files++;
  });
  return files;
}
