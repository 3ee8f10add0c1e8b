import { shellQuote as q } from '@flotilla/server-node/shell/shell-quote';
import { type SshConnection } from '../ssh/index.js';
import type { RemoteLayout } from './remote-layout.js';
import { asServiceUser, type ServiceAccount } from './service-user.js';

/** One line of the preflight list: what was checked on the host, and what to do when it failed. */
export interface PreflightCheck {
  name: 'os' | 'disk' | 'port' | 'database' | 'service user' | 'shared storage' | 'clock';
  ok: boolean;
  /** Passed, but the detail says something the admin should know (shown as WARN). */
  warning?: boolean;
  detail: string;
  fix?: string;
}

export interface PreflightInput {
  layout: RemoteLayout;
  listen: { host: string; port: number };
  /** host:port of PostgreSQL as the node will reach it (from the cluster's database URL). */
  database: { host: string; port: number };
  sharedDir: string;
  clusterId: string;
  /** Who the node will run as: the shared storage must be writable by that account. */
  account: ServiceAccount;
  minFreeBytes?: number;
  /** How far the database clock is ahead of this machine's (see `databaseClockOffset`). */
  databaseOffsetMs: () => Promise<number>;
}

/** Beyond this, liveness judgements go wrong (heartbeats are stamped on the database clock). */
export const MAX_CLOCK_SKEW_MS = 1000;
const DEFAULT_MIN_FREE_BYTES = 1024 ** 3;

/**
 * Checks, from the host itself, everything a node there needs before anything is uploaded: the
 * database and the shared storage are judged from where the node will run, not from the console.
 */
export async function runPreflight(ssh: SshConnection, input: PreflightInput): Promise<PreflightCheck[]> {
  return [
    await checkOs(ssh),
    await checkDisk(ssh, input.layout.root, input.minFreeBytes ?? DEFAULT_MIN_FREE_BYTES),
    await checkPort(ssh, input),
    await checkDatabase(ssh, input.database),
    checkServiceUser(input.account),
    await checkSharedStorage(ssh, input),
    await checkClock(ssh, input.databaseOffsetMs),
  ];
}

async function checkOs(ssh: SshConnection): Promise<PreflightCheck> {
  const [os = '', arch = ''] = (await ssh.exec('uname -s; uname -m')).stdout.trim().split('\n');
  const ok = os === 'Linux' && arch === 'x86_64';
  return {
    name: 'os',
    ok,
    detail: os ? `${os} ${arch}` : 'uname does not answer: not a Linux host (Windows?)',
    ...(ok
      ? {}
      : {
          fix: 'Use a Linux x86_64 host: the console provisions linux-x64. For a Windows host, install the win-x64 zip there with install.ps1 (see the README).',
        }),
  };
}

async function checkDisk(ssh: SshConnection, root: string, minFree: number): Promise<PreflightCheck> {
  // The install root may not exist yet: measure the nearest folder that does.
  const script = `d=${q(root)}; while [ ! -d "$d" ]; do d=$(dirname "$d"); done; df -Pk "$d" | tail -n 1`;
  const fields = (await ssh.exec(script)).stdout.trim().split(/\s+/);
  const free = Number(fields[3]) * 1024;
  const ok = Number.isFinite(free) && free >= minFree;
  return {
    name: 'disk',
    ok,
    detail: `${formatBytes(free)} free for ${root} (needs ${formatBytes(minFree)})`,
    ...(ok ? {} : { fix: `Free space on the file system holding ${root}, or choose another install root.` }),
  };
}

async function checkPort(ssh: SshConnection, input: PreflightInput): Promise<PreflightCheck> {
  const { host, port } = input.listen;
  const probeHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  // A node this provisioning already started holds the port: that is a resumed run, not a conflict.
  const script = [
    `pid=$(cat ${q(`${input.layout.home}/node.pid`)} 2>/dev/null)`,
    'if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then echo "own $pid"',
    `elif ${tcpProbe(probeHost, port, 3)}; then echo taken`,
    'else echo free; fi',
  ].join('\n');
  const answer = (await ssh.exec(script)).stdout.trim();
  if (answer.startsWith('own '))
    return { name: 'port', ok: true, detail: `${port} is used by this node (pid ${answer.slice(4)})` };
  const ok = answer === 'free';
  return {
    name: 'port',
    ok,
    detail: ok ? `${host}:${port} is free` : `${host}:${port} is in use`,
    ...(ok ? {} : { fix: `Stop what listens on port ${port} on the host, or choose another node port.` }),
  };
}

async function checkDatabase(
  ssh: SshConnection,
  database: PreflightInput['database'],
): Promise<PreflightCheck> {
  const result = await ssh.exec(`${tcpProbe(database.host, database.port, 5)} && echo reachable`);
  const ok = result.stdout.trim() === 'reachable';
  const why = result.stderr.trim().split('\n').pop() ?? '';
  return {
    name: 'database',
    ok,
    detail: ok
      ? `${database.host}:${database.port} is reachable from the host`
      : `${database.host}:${database.port} is not reachable from the host${why ? ` (${why})` : ''}`,
    ...(ok
      ? {}
      : {
          fix:
            `Make PostgreSQL listen on ${database.host}:${database.port} and allow this host ` +
            '(firewall, listen_addresses, pg_hba.conf), or correct the database URL.',
        }),
  };
}

function checkServiceUser(account: ServiceAccount): PreflightCheck {
  if (account.problem)
    return { name: 'service user', ok: false, detail: account.problem.detail, fix: account.problem.fix };
  if (account.warning) return { name: 'service user', ok: true, warning: true, detail: account.warning };
  return {
    name: 'service user',
    ok: true,
    detail: account.exists
      ? `the node runs as ${account.user}, which exists`
      : `the node runs as ${account.user}, created by the install step (system account, no login shell)`,
  };
}

async function checkSharedStorage(
  ssh: SshConnection,
  { sharedDir, clusterId, account }: PreflightInput,
): Promise<PreflightCheck> {
  const sentinel = `${sharedDir}/.flotilla-cluster`;
  const script = `if [ ! -d ${q(sharedDir)} ]; then echo missing; elif [ ! -r ${q(sentinel)} ]; then echo no-sentinel; else cat ${q(sentinel)}; fi`;
  const answer = (await ssh.exec(script)).stdout.trim();
  const mountFix = `Mount the cluster's shared storage at ${sharedDir} on the host (same path as on every node).`;
  if (answer === 'missing')
    return { name: 'shared storage', ok: false, detail: `${sharedDir} does not exist`, fix: mountFix };
  if (answer === 'no-sentinel')
    return { name: 'shared storage', ok: false, detail: `${sentinel} is missing`, fix: mountFix };
  if (!answer.includes(clusterId))
    return {
      name: 'shared storage',
      ok: false,
      detail: `${sharedDir} belongs to another cluster`,
      fix: `${sharedDir} on the host is not this cluster's storage. ${mountFix}`,
    };
  // The node writes task logs and packages there as the service user: root being able to is not enough.
  if (account.problem)
    return { name: 'shared storage', ok: true, detail: `${sharedDir} belongs to cluster ${clusterId}` };
  const probe = `test -r "$1/.flotilla-cluster" && f="$1/.flotilla-preflight-$$" && : > "$f" && rm -f "$f"`;
  const writable =
    (await ssh.exec(asServiceUser(account, `sh -c ${q(probe)} sh ${q(sharedDir)}`))).code === 0;
  if (writable)
    return {
      name: 'shared storage',
      ok: true,
      detail: `${sharedDir} belongs to cluster ${clusterId}, writable by ${account.user}`,
    };
  const { user } = account;
  const grant = `chown ${user} ${sharedDir}, or chgrp ${user} ${sharedDir} && chmod g+rwx ${sharedDir}`;
  return {
    name: 'shared storage',
    ok: false,
    detail: account.exists
      ? `${sharedDir} is not writable by the service user ${user}`
      : `${sharedDir} is not writable by the service user ${user} (${user} does not exist yet: only a folder anyone may write would do)`,
    fix: account.exists
      ? `Let ${user} read and write ${sharedDir} on the host (e.g. ${grant}); on NFS give ${user} the same uid on every node.`
      : `Create the service user first (useradd --system --user-group --shell /usr/sbin/nologin ${user}; on NFS with the same uid on every node), let it read and write ${sharedDir} (e.g. ${grant}), then provision again.`,
  };
}

async function checkClock(
  ssh: SshConnection,
  databaseOffsetMs: () => Promise<number>,
): Promise<PreflightCheck> {
  const sent = Date.now();
  const hostNow = Number((await ssh.exec('date +%s%3N')).stdout.trim());
  const hostOffset = hostNow - (sent + Date.now()) / 2;
  const skew = Math.round(Math.abs(hostOffset - (await databaseOffsetMs())));
  const ok = Number.isFinite(skew) && skew <= MAX_CLOCK_SKEW_MS;
  return {
    name: 'clock',
    ok,
    detail: `${skew} ms from the database clock`,
    ...(ok ? {} : { fix: 'Synchronise the host clock (NTP, e.g. chrony or systemd-timesyncd).' }),
  };
}

/** A TCP connect from the host with bash's /dev/tcp: no tools beyond bash and coreutils needed. */
function tcpProbe(host: string, port: number, seconds: number): string {
  return `timeout ${seconds} bash -c ${q(`exec 3<>/dev/tcp/${host}/${port}`)}`;
}

function formatBytes(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}
