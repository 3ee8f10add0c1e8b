import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { findFreePort } from '@flotilla/server-node/net/free-port';
import type { SshdHost } from '../../test-support/sshd-host.js';
import type { ProvisionHost } from '../provision-host.js';

/**
 * A host entry for a test sshd: the node listens on the sshd's own 127.0.0.x address and installs
 * under `installRoot`, so several "hosts" on one machine keep apart like real ones.
 */
export async function remoteHostEntry(
  sshd: SshdHost,
  options: { id: string; clusterId: string; name: string; installRoot: string },
  changes: Partial<ProvisionHost> = {},
): Promise<ProvisionHost> {
  const port = await findFreePort(0, sshd.address);
  return {
    id: options.id,
    clusterId: options.clusterId,
    address: sshd.address,
    sshPort: sshd.port,
    username: 'root',
    authKind: 'key',
    hostKey: sshd.hostKeyFingerprint,
    installRoot: options.installRoot,
    node: {
      name: options.name,
      listenHost: sshd.address,
      port,
      publicUrl: `http://${sshd.address}:${port}`,
    },
    ...changes,
  };
}

/** Stops what a test started on a "host": the node's supervisor, by the PID in its pidfile. */
export async function stopSupervisor(root: string): Promise<void> {
  const pidfile = await readFile(path.join(root, 'home', 'supervisor.pid'), 'utf8').catch(() => null);
  // Gone already: a test removed the node.
  if (pidfile === null) return;
  const pid = Number(pidfile);
  if (!isAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  await waitFor(() => !isAlive(pid), 60_000);
}

/** The end of a provisioned node's log, for a failing test to print. */
export async function remoteLogTail(root: string, lines = 60): Promise<string> {
  const text = await readFile(path.join(root, 'home', 'node.log'), 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Who a process runs as: its effective uid, from /proc (the test "hosts" are this machine). */
export async function processUid(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^Uid:\s+\d+\s+(\d+)/m.exec(status)?.[1]);
}

export async function uidOf(user: string): Promise<number> {
  return Number((await promisify(execFile)('id', ['-u', user])).stdout.trim());
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** expect.poll for cleanup hooks, where vitest does not allow it. */
export async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
