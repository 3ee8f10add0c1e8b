import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, realpath, rename, rm, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import type { MigrationCheckDto } from '../api/index.js';
import { SENTINEL_FILE } from '../cluster/shared-storage.js';
import { writeFileAtomic } from './atomic-file.js';
import { fail, pass } from './check.js';
import { MIGRATION_SHARE_DIR } from './file-manifest.js';
import { formatBytes } from './progress.js';

// Preflight of the shared folder: it exists, this user can create, fsync, rename and delete a file in
// it, it has room for what will be copied, it is not the standalone's own storage, it belongs to no
// other cluster, and it is the same folder on every host. That last one is the classic mistake (a
// "share" that is really a local folder at the same path on each node): the source host writes a
// random nonce file, and every other host must read the same nonce back (`migrate preflight --peer`).

/** Room kept free beyond what the copy needs: logs keep growing while the cluster runs. */
const HEADROOM = 1.1;

export function nonceFile(sharedDir: string): string {
  return path.join(sharedDir, MIGRATION_SHARE_DIR, 'nonce');
}

async function isDirectory(dir: string): Promise<NodeJS.ErrnoException | null> {
  const info = await stat(dir).catch((error: NodeJS.ErrnoException) => error);
  if (info instanceof Error) return info;
  if (!info.isDirectory())
    return Object.assign(new Error(`${dir} is a file, not a folder`), { code: 'ENOTDIR' });
  return null;
}

/** The share exists and this user may write there. Both hosts (source and peers) run these. */
export async function checkSharedWritable(sharedDir: string): Promise<MigrationCheckDto[]> {
  const problem = await isDirectory(sharedDir);
  if (problem) {
    return [
      fail(
        'shared.exists',
        'Shared folder exists',
        problem.code === 'ENOENT' ? `${sharedDir} does not exist` : problem.message,
        `Mount the share at ${sharedDir} on this host (the same path on every node), then run preflight again.`,
      ),
    ];
  }
  const checks = [pass('shared.exists', 'Shared folder exists', sharedDir)];
  const probe = path.join(sharedDir, `.flotilla-probe-${randomBytes(6).toString('hex')}`);
  const moved = `${probe}.moved`;
  try {
    const handle = await open(probe, 'wx', 0o644);
    try {
      await handle.writeFile('flotilla preflight probe\n');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(probe, moved);
    if ((await readFile(moved, 'utf8')) !== 'flotilla preflight probe\n')
      throw new Error('the probe read back differently');
    await rm(moved);
    checks.push(
      pass(
        'shared.writable',
        'Shared folder writable',
        'created, fsynced, renamed, read back and deleted a file',
      ),
    );
  } catch (error) {
    await rm(probe, { force: true }).catch(() => undefined);
    await rm(moved, { force: true }).catch(() => undefined);
    const code = (error as NodeJS.ErrnoException).code;
    checks.push(
      fail(
        'shared.writable',
        'Shared folder writable',
        `${sharedDir}: ${(error as Error).message}`,
        code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
          ? `Give the account the node runs as (${process.env.USER ?? 'the service account'}) read and write access to the ` +
              `share${code === 'EROFS' ? ', and mount it read-write' : ''}.`
          : 'Check the mount (network share options: locking, sync) and try again.',
      ),
    );
  }
  return checks;
}

/** Source-host checks: room, not the standalone's own storage, no other cluster; writes the nonce. */
export async function checkSharedForSource(options: {
  sharedDir: string;
  sourceSharedDir: string;
  clusterId: string;
  bytesToCopy: number;
}): Promise<{ checks: MigrationCheckDto[]; nonce: { file: string; value: string } | null }> {
  const checks = await checkSharedWritable(options.sharedDir);
  if (checks.some((check) => check.status === 'fail')) return { checks, nonce: null };

  const [target, source] = await Promise.all([
    realpath(options.sharedDir),
    realpath(options.sourceSharedDir).catch(() => path.resolve(options.sourceSharedDir)),
  ]);
  const inside = (a: string, b: string) => a === b || a.startsWith(b + path.sep);
  if (inside(target, source) || inside(source, target)) {
    checks.push(
      fail(
        'shared.distinct',
        "Not the standalone's own storage",
        `${options.sharedDir} is (or overlaps) the standalone's storage ${options.sourceSharedDir}`,
        'Give the folder where the share is mounted, not the node home.',
      ),
    );
  } else {
    checks.push(
      pass(
        'shared.distinct',
        "Not the standalone's own storage",
        `source storage is ${options.sourceSharedDir}`,
      ),
    );
  }

  const sentinel = await readFile(path.join(options.sharedDir, SENTINEL_FILE), 'utf8').catch(() => null);
  let owner: string | null;
  try {
    const found = sentinel === null ? null : (JSON.parse(sentinel) as { clusterId?: unknown }).clusterId;
    owner = found === null ? null : typeof found === 'string' ? found : 'unreadable';
  } catch {
    owner = 'unreadable';
  }
  checks.push(
    owner === null || owner === options.clusterId
      ? pass(
          'shared.owner',
          'Belongs to no other cluster',
          owner === null ? 'no sentinel yet' : 'this cluster’s sentinel (an earlier attempt)',
        )
      : fail(
          'shared.owner',
          'Belongs to no other cluster',
          `${options.sharedDir} is the shared storage of cluster ${owner}`,
          'Use a folder of its own for this cluster.',
        ),
  );

  const fs = await statfs(options.sharedDir);
  const free = fs.bavail * fs.bsize;
  const need = Math.ceil(options.bytesToCopy * HEADROOM);
  checks.push(
    free >= need
      ? pass(
          'shared.space',
          'Room for the copy',
          `${formatBytes(free)} free, ${formatBytes(options.bytesToCopy)} to copy`,
        )
      : fail(
          'shared.space',
          'Room for the copy',
          `${formatBytes(free)} free, ${formatBytes(options.bytesToCopy)} to copy (+10% headroom)`,
          `Free ${formatBytes(need - free)} on the share or give a larger one.`,
        ),
  );

  const value = randomBytes(16).toString('hex');
  const file = nonceFile(options.sharedDir);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, value + '\n', 0o644);
  const readBack = (await readFile(file, 'utf8')).trim();
  checks.push(
    readBack === value
      ? pass(
          'shared.same-folder',
          'Same folder on every host',
          `nonce written to ${file}; check every other node host with ` +
            `'flotilla-node migrate preflight --peer --shared ${options.sharedDir} --nonce ${value}'`,
        )
      : fail(
          'shared.same-folder',
          'Same folder on every host',
          `${file} reads back differently`,
          'Check the mount.',
        ),
  );
  return { checks, nonce: { file, value } };
}

/** A peer host: must read back the nonce the source host wrote, at the same path. */
export async function checkNonce(sharedDir: string, nonce: string): Promise<MigrationCheckDto> {
  const file = nonceFile(sharedDir);
  const found = await readFile(file, 'utf8').catch(() => null);
  if (found === null) {
    return fail(
      'shared.same-folder',
      'Same folder on every host',
      `${file} is not there: this host sees a different folder at ${sharedDir} than the source host`,
      `Mount the cluster's share at ${sharedDir} on this host (a local folder at the same path is the classic ` +
        `mistake: each node would keep its own logs and packages).`,
    );
  }
  if (found.trim() !== nonce) {
    return fail(
      'shared.same-folder',
      'Same folder on every host',
      `${file} holds another nonce: this is a different folder, or preflight ran again on the source since`,
      'Run preflight on the source host again and check every host with the nonce it prints.',
    );
  }
  return pass(
    'shared.same-folder',
    'Same folder on every host',
    `read back the source host's nonce from ${file}`,
  );
}
