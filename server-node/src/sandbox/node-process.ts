import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/** The compiled CLI entry (dist/cli/main.js), also when this file runs from src/ under the test runner. */
export const CLI_MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/**
 * Starts `flotilla-node run --home HOME` as its own process, its output appended to `logFile`.
 * With `umask`, the process is started with it (a child inherits its parent's umask).
 */
export function spawnNode(
  home: string,
  logFile: string,
  env: NodeJS.ProcessEnv = {},
  umask?: number,
  sharedView?: SharedView,
): ChildProcess {
  const out = openSync(logFile, 'a');
  const previous = umask === undefined ? null : process.umask(umask);
  const node = [process.execPath, CLI_MAIN, 'run', '--home', home];
  // The fault of a host whose share is not mounted where the others' is: a mount namespace of the
  // node's own (root only) in which another folder is mounted over the cluster's shared path.
  const [file, ...args] = sharedView
    ? [
        'unshare',
        '--mount',
        '--propagation',
        'private',
        '--',
        'sh',
        '-c',
        'mount --bind "$0" "$1" && shift && exec "$@"',
        sharedView.folder,
        sharedView.sharedDir,
        ...node,
      ]
    : node;
  try {
    return spawn(file!, args, {
      stdio: ['ignore', out, out],
      env: { ...process.env, ...env },
    });
  } finally {
    if (previous !== null) process.umask(previous);
  }
}

/** For a test: the node sees `folder` at the cluster's `sharedDir`, the other nodes the real share. */
export interface SharedView {
  sharedDir: string;
  folder: string;
}

/** Starts `flotilla-node balance --listen LISTEN --home HOME` as its own process, its output appended to `logFile`. */
export function spawnBalancer(listen: string, home: string, logFile: string): ChildProcess {
  const out = openSync(logFile, 'a');
  return spawn(process.execPath, [CLI_MAIN, 'balance', '--listen', listen, '--home', home], {
    stdio: ['ignore', out, out],
  });
}

/** Resolves when the node's ping answers 200; rejects with its log's tail if it exits or times out. */
export async function waitForNode(url: string, child: ChildProcess, logFile: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`node at ${url} exited (${child.exitCode ?? child.signalCode}):\n${tail(logFile)}`);
    }
    const ok = await fetch(`${url}/api/nodes/ping`, { signal: AbortSignal.timeout(1000) })
      .then((response) => response.status === 200)
      .catch(() => false);
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`node at ${url} did not answer its ping within ${timeoutMs} ms:\n${tail(logFile)}`);
}

export function tail(logFile: string, lines = 15): string {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Sends SIGTERM and waits for a clean exit, then SIGKILL if it takes longer than `graceMs`. */
export async function stopProcess(child: ChildProcess, graceMs = 20_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
