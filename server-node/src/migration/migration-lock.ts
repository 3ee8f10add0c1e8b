import { hostname, userInfo } from 'node:os';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { MigrationCommand, MigrationLockDto } from '../api/index.js';
import { UserError } from '../user-error.js';
import { migrationDir } from './migration-journal.js';
import { isAlive } from './process-alive.js';

// One migrate command at a time per home: <home>/migration/lock, created with O_EXCL, says who holds it.
// A lock whose process is gone (same host, pid not alive) is stale: the next command takes it over,
// which is what resuming after a crash needs. A lock from another host is never taken over silently.

export function lockPath(home: string): string {
  return path.join(migrationDir(home), 'lock');
}

export async function readLock(home: string): Promise<MigrationLockDto | null> {
  const text = await readFile(lockPath(home), 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    const lock = JSON.parse(text) as Omit<MigrationLockDto, 'alive'>;
    return { ...lock, alive: lock.host === hostname() ? isAlive(lock.pid) : null };
  } catch {
    // Torn by a crash between create and write: nobody can be holding it meaningfully.
    return { pid: 0, host: hostname(), user: '', command: 'status', since: '', alive: false };
  }
}

export interface HeldLock {
  release(): Promise<void>;
  /** True when the previous holder died (so steps it left `running` were interrupted). */
  tookOverStale: boolean;
}

export async function acquireLock(home: string, command: MigrationCommand): Promise<HeldLock> {
  await mkdir(migrationDir(home), { recursive: true, mode: 0o700 });
  const file = lockPath(home);
  const mine: Omit<MigrationLockDto, 'alive'> = {
    pid: process.pid,
    host: hostname(),
    user: userInfo().username,
    command,
    since: new Date().toISOString(),
  };
  let tookOverStale = false;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(JSON.stringify(mine) + '\n');
      await handle.sync();
      await handle.close();
      let released = false;
      return {
        tookOverStale,
        release: async () => {
          if (released) return;
          released = true;
          const current = await readLock(home);
          if (current?.pid === process.pid && current.host === mine.host) await rm(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readLock(home);
    if (holder && holder.alive === false) {
      await rm(file, { force: true });
      tookOverStale = true;
      continue;
    }
    if (holder) {
      throw new UserError(
        `Another migrate command holds the migration lock: '${holder.command}' (pid ${holder.pid} on ${holder.host}, ` +
          `user ${holder.user}, since ${holder.since}). Wait for it to finish` +
          (holder.alive === null
            ? `; if that process is gone (it ran on another host), remove ${file} and run this again.`
            : ` (or stop it: it resumes where it stopped when run again).`),
      );
    }
  }
  throw new UserError(`Could not take the migration lock ${file}; run the command again.`);
}
