import { execFile, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { readFile, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { PingDto } from '../api/index.js';
import { NODE_PING_PATH } from '../api/index.js';
import type { NodeConfig } from '../config/node-config.js';
import { nodePidFile } from '../node/node-pid-file.js';
import { UserError } from '../user-error.js';
import { isAlive } from './process-alive.js';

const run = promisify(execFile);

// Stopping and starting the standalone node for the switch, and the nodes a rollback finds: through its
// service manager where there is one (systemd, a Windows service, the supervisor script), else through
// the pid it records in its home. The way it was stopped is kept in the journal, so the start (or a
// rollback) brings it back the same way.

export interface NodeControlRecord {
  /** systemd: a unit found from the node's cgroup; service: --service NAME; supervisor: flotilla-supervise.sh. */
  kind: 'systemd' | 'service' | 'supervisor' | 'pid' | 'none';
  unit?: string;
  /** The supervisor's command line and folder, to start it again as it was. */
  supervisorArgv?: string[];
  supervisorCwd?: string;
}

/** How long a node gets to stop after SIGTERM before it is killed (its own shutdown drains first). */
const STOP_TIMEOUT_MS = 60_000;

async function readPid(file: string): Promise<number | null> {
  const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : null;
}

async function cmdline(pid: number): Promise<string[] | null> {
  const text = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => null);
  return text === null ? null : text.split('\0').filter((part) => part !== '');
}

function runsHome(args: string[], home: string): boolean {
  const at = args.indexOf('--home');
  return args.includes('run') && at >= 0 && path.resolve(args[at + 1] ?? '') === path.resolve(home);
}

/** The pid of the node serving `home`: its pid file, else (Linux) the process running `run --home HOME`. */
export async function findNodePid(home: string): Promise<number | null> {
  const recorded = await readPid(nodePidFile(home));
  if (recorded !== null) {
    const args = await cmdline(recorded);
    if (args === null || runsHome(args, home)) return recorded;
  }
  if (process.platform !== 'linux') return null;
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const args = await cmdline(Number(entry));
    if (args && runsHome(args, home)) return Number(entry);
  }
  return null;
}

/** The systemd unit a process runs in (Linux cgroup), ignoring user sessions and scopes. */
async function systemdUnit(pid: number): Promise<string | null> {
  const text = await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => '');
  return parseSystemdUnit(text);
}

export function parseSystemdUnit(cgroup: string): string | null {
  for (const line of cgroup.split('\n')) {
    const match = /\/system\.slice\/(?:.*\/)?([^/]+\.service)(?:\/|$)/.exec(line);
    if (match && !match[1]!.startsWith('user@')) return match[1]!;
  }
  return null;
}

/** Decides how the node is controlled (before it is stopped). */
export async function detectControl(
  home: string,
  pid: number | null,
  service: string | undefined,
): Promise<NodeControlRecord> {
  if (service) return { kind: 'service', unit: service };
  if (pid !== null && process.platform === 'linux') {
    const unit = await systemdUnit(pid);
    if (unit) return { kind: 'systemd', unit };
  }
  const supervisor = await readPid(path.join(path.resolve(home), 'supervisor.pid'));
  if (supervisor !== null) {
    const argv = await cmdline(supervisor);
    const cwd = await readlink(`/proc/${supervisor}/cwd`).catch(() => path.resolve(home));
    if (argv) return { kind: 'supervisor', supervisorArgv: argv, supervisorCwd: cwd };
  }
  return { kind: pid === null ? 'none' : 'pid' };
}

async function serviceCommand(action: 'stop' | 'start', unit: string): Promise<void> {
  const [command, args] =
    process.platform === 'win32' ? ['sc.exe', [action, unit]] : ['systemctl', [action, unit]];
  try {
    await run(command, args, { timeout: STOP_TIMEOUT_MS + 10_000 });
  } catch (error) {
    const detail = (error as { stderr?: string; message: string }).stderr?.trim() || (error as Error).message;
    throw new UserError(
      `'${command} ${args.join(' ')}' failed: ${detail}. Run it yourself (as an administrator), then run this step again.`,
    );
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(50);
  }
  return !isAlive(pid);
}

/** Stops the node the way it is controlled; resolves when its process is gone. */
export async function stopNode(home: string, control: NodeControlRecord): Promise<void> {
  const pid = await findNodePid(home);
  switch (control.kind) {
    case 'systemd':
    case 'service':
      await serviceCommand('stop', control.unit!);
      break;
    case 'supervisor': {
      const supervisor = await readPid(path.join(path.resolve(home), 'supervisor.pid'));
      if (supervisor !== null) {
        process.kill(supervisor, 'SIGTERM');
        await waitForExit(supervisor, STOP_TIMEOUT_MS);
      }
      break;
    }
    case 'pid':
    case 'none':
      if (pid !== null) process.kill(pid, 'SIGTERM');
      break;
  }
  if (pid !== null && !(await waitForExit(pid, STOP_TIMEOUT_MS))) {
    process.kill(pid, 'SIGKILL');
    await waitForExit(pid, 5000);
  }
}

/** Starts the node again the way it was controlled (or as a detached `flotilla-node run`). */
export async function startNode(home: string, control: NodeControlRecord): Promise<void> {
  if (control.kind === 'systemd' || control.kind === 'service') {
    await serviceCommand('start', control.unit!);
    return;
  }
  if (control.kind === 'supervisor' && control.supervisorArgv?.length) {
    const [command, ...args] = control.supervisorArgv;
    spawn(command!, args, { cwd: control.supervisorCwd, detached: true, stdio: 'ignore' }).unref();
    return;
  }
  // No service manager: the same program as this CLI, detached, its output appended to <home>/node.log.
  const log = openSync(path.join(path.resolve(home), 'node.log'), 'a');
  const cli = process.argv[1]!;
  spawn(process.execPath, [cli, 'run', '--home', path.resolve(home)], {
    detached: true,
    stdio: ['ignore', log, log],
    env: process.env,
  }).unref();
}

function pingUrl(config: NodeConfig): string {
  const host = config.listen.host;
  const reach = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '[::1]' : host;
  return `http://${reach.includes(':') && !reach.startsWith('[') ? `[${reach}]` : reach}:${config.listen.port}${NODE_PING_PATH}`;
}

/** What the node's ping says now: its state, or null when nothing (or something else) answers. */
export async function pingNode(config: NodeConfig): Promise<PingDto | null> {
  try {
    const response = await fetch(pingUrl(config), { signal: AbortSignal.timeout(1000) });
    const body = (await response.json()) as PingDto;
    return body.name === config.name ? body : null;
  } catch {
    return null;
  }
}

/**
 * The node itself answers and is up: running, or draining because the admin had it draining before the
 * switch (it keeps that; its ping then tells the balancer to send it no users, as before).
 */
export function isServing(ping: PingDto | null): boolean {
  return ping?.state === 'running' || ping?.state === 'draining';
}

/** Waits until the node serves (isServing); the node's log is the caller's to show. */
export async function waitUntilServing(config: NodeConfig, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (isServing(await pingNode(config))) return true;
    await sleep(50);
  }
  return false;
}
