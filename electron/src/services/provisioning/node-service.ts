import { shellQuote as q } from '@flotilla/server-node/shell/shell-quote';
import { type SshConnection } from '../ssh/index.js';
import type { RemoteLayout } from './remote-layout.js';

export interface NodeServiceStart {
  mode: 'systemd' | 'supervisor';
  alreadyRunning: boolean;
  pid: number | null;
}

const UNIT = 'flotilla-node.service';

/**
 * Starts the node as a service: the systemd unit where systemd runs (install.sh installed it), else
 * flotilla-supervise.sh detached from the SSH session (setsid, nohup) with pidfiles in the home, which
 * restarts the node when it crashes. Either runs the node as the service user, never as root.
 * Starting a running node changes nothing.
 */
export async function startNodeService(ssh: SshConnection, layout: RemoteLayout): Promise<NodeServiceStart> {
  const pidfile = `${layout.home}/supervisor.pid`;
  const script = `
if [ -d /run/systemd/system ] && [ -f /etc/systemd/system/${UNIT} ]; then
  if systemctl is-active --quiet ${UNIT}; then echo "systemd running"; exit 0; fi
  systemctl enable --now ${UNIT} && echo "systemd started"; exit $?
fi
pidfile=${q(pidfile)}
if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then echo "supervisor running $(cat "$pidfile")"; exit 0; fi
rm -f "$pidfile"
# Started as root, the supervisor becomes the service user; when it refuses to start, its reason is the error.
errors=$(mktemp)
setsid nohup ${q(layout.supervisor)} --root ${q(layout.root)} --home ${q(layout.home)} >/dev/null 2>"$errors" </dev/null &
supervisor=$!
for i in $(seq 1 100); do
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then rm -f "$errors"; echo "supervisor started $(cat "$pidfile")"; exit 0; fi
  if ! kill -0 "$supervisor" 2>/dev/null; then cat "$errors" >&2; rm -f "$errors"; exit 1; fi
  sleep 0.1
done
rm -f "$errors"
echo "the supervisor did not write $pidfile within 10 s" >&2; exit 1`;
  const result = await ssh.exec(script, { timeoutMs: 60_000 });
  if (result.code !== 0) throw new Error(result.stderr.trim() || `exit code ${String(result.code)}`);
  const [mode = '', state = '', pid] = result.stdout.trim().split(' ');
  return {
    mode: mode === 'systemd' ? 'systemd' : 'supervisor',
    alreadyRunning: state === 'running',
    pid: pid === undefined ? null : Number(pid),
  };
}

/** Stops the node (SIGTERM lets it hand back its work) and waits until it is gone. */
export async function stopNodeService(ssh: SshConnection, layout: RemoteLayout, timeoutMs = 60_000) {
  const pidfile = `${layout.home}/supervisor.pid`;
  const seconds = Math.ceil(timeoutMs / 1000);
  const script = `
if [ -d /run/systemd/system ] && [ -f /etc/systemd/system/${UNIT} ]; then systemctl stop ${UNIT}; exit $?; fi
pid=$(cat ${q(pidfile)} 2>/dev/null) || exit 0
kill -TERM "$pid" 2>/dev/null || exit 0
for i in $(seq 1 ${seconds * 10}); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.1; done
echo "the node supervisor (pid $pid) did not stop within ${seconds} s" >&2; exit 1`;
  const result = await ssh.exec(script, { timeoutMs: timeoutMs + 10_000 });
  if (result.code !== 0) throw new Error(result.stderr.trim() || `exit code ${String(result.code)}`);
}

/** The end of the node's log on the host, for error messages. */
export async function nodeLogTail(ssh: SshConnection, layout: RemoteLayout, lines = 20): Promise<string> {
  return (await ssh.exec(`tail -n ${lines} ${q(`${layout.home}/node.log`)} 2>/dev/null`)).stdout.trimEnd();
}

/** The node's process and who it really runs as (its real and effective uid, from /proc/<pid>/status). */
export interface NodeProcess {
  pid: number;
  uid: number;
  /** The user name of `uid` on the host ('' when it has none). */
  user: string;
}

/** The node's process as systemd or the supervisor knows it; null when none runs. */
export async function nodeProcess(ssh: SshConnection, layout: RemoteLayout): Promise<NodeProcess | null> {
  const script = `
if [ -d /run/systemd/system ] && [ -f /etc/systemd/system/${UNIT} ]; then pid=$(systemctl show -p MainPID --value ${UNIT})
else pid=$(cat ${q(`${layout.home}/node.pid`)} 2>/dev/null); fi
[ -n "$pid" ] && [ "$pid" != 0 ] && [ -r "/proc/$pid/status" ] || exit 0
set -- $(awk '/^Uid:/ { print $2, $3 }' "/proc/$pid/status")
# Root in either counts as root.
uid=$2; [ "$1" = 0 ] && uid=0
echo "$pid $uid $(getent passwd "$uid" | cut -d: -f1)"`;
  const [pid, uid, user = ''] = (await ssh.exec(script)).stdout.trim().split(' ');
  if (!pid || !uid) return null;
  return { pid: Number(pid), uid: Number(uid), user };
}
