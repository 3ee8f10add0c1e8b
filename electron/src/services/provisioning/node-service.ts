import { quoteShellArg as q, type SshConnection } from '../ssh/index.js';
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
 * restarts the node when it crashes. Starting a running node changes nothing.
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
setsid nohup ${q(layout.supervisor)} --root ${q(layout.root)} --home ${q(layout.home)} >/dev/null 2>&1 </dev/null &
for i in $(seq 1 100); do
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then echo "supervisor started $(cat "$pidfile")"; exit 0; fi
  sleep 0.1
done
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
