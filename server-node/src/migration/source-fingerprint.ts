import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type pg from 'pg';
import { filesDigest, listStorageFiles, sha256File } from './file-manifest.js';
import { flotillaSchema, normaliseSession, readCatalog } from './table-catalog.js';
import type { TableHash } from './table-hashes.js';
import { hashTable } from './table-hashes.js';

// The standalone as the switch froze it: its config file, its storage (every file's path, size and
// sha256, as one digest) and every table's rows (count and ordered hash). Rollback recomputes it and
// compares, so "restored exactly as at the freeze" is checked, not assumed.

export interface SourceFingerprint {
  configSha256: string;
  files: { count: number; bytes: number; digest: string };
  tables: TableHash[];
}

export async function sha256OfFile(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

/** Hashes every file of the storage folder (slow for big folders: used by rollback, not in the window). */
export async function storageDigest(root: string): Promise<SourceFingerprint['files']> {
  const files = await listStorageFiles(root);
  const entries: { path: string; size: number; sha256: string }[] = [];
  const queue = [...files];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
        entries.push({ path: file.path, size: file.size, sha256: await sha256File(file.absolute) });
      }
    }),
  );
  return {
    count: entries.length,
    bytes: entries.reduce((sum, entry) => sum + entry.size, 0),
    digest: filesDigest(entries),
  };
}

/** Every table's count and hash, on a session set up as the copy's were (so the two compare). */
export async function hashAllTables(db: pg.PoolClient | pg.Client): Promise<TableHash[]> {
  await normaliseSession(db);
  const schema = await flotillaSchema(db);
  if (!schema) return [];
  const catalog = await readCatalog(db, schema);
  const hashes: TableHash[] = [];
  for (const table of catalog.tables) hashes.push(await hashTable(db, schema, table));
  return hashes;
}

/** What differs between two fingerprints, one sentence each; empty when identical. */
export function compareFingerprints(freeze: SourceFingerprint, now: SourceFingerprint): string[] {
  const differences: string[] = [];
  if (freeze.configSha256 !== now.configSha256) differences.push('flotilla.json differs from the freeze');
  if (freeze.files.digest !== now.files.digest) {
    differences.push(
      `home storage differs: ${now.files.count} files (${now.files.bytes} bytes) now, ` +
        `${freeze.files.count} files (${freeze.files.bytes} bytes) at the freeze`,
    );
  }
  const before = new Map(freeze.tables.map((table) => [table.table, table]));
  for (const table of now.tables) {
    const then = before.get(table.table);
    if (!then) differences.push(`table ${table.table} did not exist at the freeze`);
    else if (then.hash !== table.hash || then.rows !== table.rows)
      differences.push(
        `table ${table.table}: ${table.rows} rows now, ${then.rows} at the freeze, contents differ`,
      );
    before.delete(table.table);
  }
  for (const missing of before.keys()) differences.push(`table ${missing} is gone`);
  return differences;
}
