import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import { MIGRATION_SHARE_DIR } from './file-manifest.js';
import { migrationDir } from './migration-journal.js';

// Reports (preflight, precopy, switch, verify, timings): written to <home>/migration/reports and, once
// the share is known and reachable, to <share>/.flotilla-migration/reports, where they stay after
// finalize for whoever runs the cluster next.

export function shareReportsDir(sharedDir: string): string {
  return path.join(sharedDir, MIGRATION_SHARE_DIR, 'reports');
}

export async function writeReport(
  home: string,
  sharedDir: string | null,
  name: string,
  body: unknown,
): Promise<string[]> {
  const text = JSON.stringify(body, null, 2) + '\n';
  const written: string[] = [];
  for (const dir of [
    path.join(migrationDir(home), 'reports'),
    sharedDir ? shareReportsDir(sharedDir) : null,
  ]) {
    if (!dir) continue;
    try {
      await mkdir(dir, { recursive: true });
      const file = path.join(dir, `${name}.json`);
      await writeFileAtomic(file, text, 0o644);
      written.push(file);
    } catch {
      // The share may not be mounted yet (or any more): the home's copy is enough.
    }
  }
  return written;
}
