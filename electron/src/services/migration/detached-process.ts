import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServerNodeCli } from './local-engine-host.js';

/**
 * Servers the console starts on this machine for a migration (the local standalone node, an embedded
 * target PostgreSQL, the built-in balancer) outlive the console, as servers do, and as the node the
 * migration engine starts again after the switch does: each is a detached `flotilla-node …` process,
 * its output appended to a log file, its pid in a file so the console finds it again.
 */
export async function startDetached(
  server: ServerNodeCli,
  args: string[],
  files: { log: string; pid?: string },
  umask?: number,
): Promise<number> {
  await mkdir(path.dirname(files.log), { recursive: true });
  const out = openSync(files.log, 'a');
  const previous = umask === undefined ? null : process.umask(umask);
  try {
    const child = spawn(server.nodeBinary ?? process.execPath, [server.cliPath, ...args], {
      detached: true,
      stdio: ['ignore', out, out],
      env: { ...process.env, ...server.env },
    });
    child.unref();
    const pid = child.pid;
    if (pid === undefined) throw new Error(`Could not start flotilla-node ${args[0] ?? ''} on this machine.`);
    if (files.pid) await writeFile(files.pid, `${pid}\n`);
    return pid;
  } finally {
    if (previous !== null) process.umask(previous);
    closeSync(out);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live process a pid file names, or null. */
export async function livePid(file: string): Promise<number | null> {
  const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : null;
}

/** SIGTERM (a node hands back its work, PostgreSQL shuts down), SIGKILL after `graceMs`; resolves when it is gone. */
export async function stopPid(pid: number, graceMs = 20_000): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      await sleep(200);
      return;
    }
    await sleep(100);
  }
}

/** Stops what a pid file names and removes the file. */
export async function stopPidFile(file: string): Promise<void> {
  const pid = await livePid(file);
  if (pid !== null) await stopPid(pid);
  await rm(file, { force: true });
}

/** Polls `ready` until it answers, or fails with the end of the log when the process died or time ran out. */
export async function waitUntil<T>(
  ready: () => Promise<T | null>,
  options: { pid: number; log: string; what: string; timeoutMs?: number },
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const value = await ready();
    if (value !== null) return value;
    if (!isAlive(options.pid) || Date.now() > deadline) {
      const tail = (await readFile(options.log, 'utf8').catch(() => ''))
        .trimEnd()
        .split('\n')
        .slice(-12)
        .join('\n');
      throw new Error(
        `${options.what} ${isAlive(options.pid) ? `did not get ready in ${Math.round((options.timeoutMs ?? 60_000) / 1000)} s` : 'stopped'}; the end of ${options.log}:\n${tail}`,
      );
    }
    await sleep(200);
  }
}
