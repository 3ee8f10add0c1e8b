import { randomBytes } from 'node:crypto';
import type { ShellKind } from '../api/index.js';
import { shellQuote } from './shell-quote.js';

export interface ScriptSpec {
  shell: ShellKind;
  script: string;
  cwd?: string | undefined;
  env: Record<string, string>;
}

/**
 * The program fed to `bash -s` (or `pwsh -Command -`) on its standard input, locally and over SSH.
 *
 * For bash, a watchdog runs beside the script and kills the whole process group as soon as the
 * process that started it (the node, or the SSH session) is gone. So when a node is killed with
 * SIGKILL, its step stops within half a second instead of running on unseen while another node
 * resumes the deployment and runs it again. The user's script runs in a child bash of its own, so
 * its traps and `exit` cannot disturb the watchdog, with /dev/null as input, so a command that reads
 * standard input cannot swallow the program.
 */
export function wrapScript(spec: ScriptSpec): { command: string; stdin: string } {
  if (spec.shell === 'powershell') {
    const lines = [
      ...Object.entries(spec.env).map(([key, value]) => `$env:${key} = '${value.replace(/'/g, "''")}'`),
      ...(spec.cwd ? [`Set-Location -LiteralPath '${spec.cwd.replace(/'/g, "''")}'`] : []),
      spec.script,
    ];
    return { command: 'pwsh -NoProfile -NonInteractive -Command -', stdin: lines.join('\n') + '\n' };
  }
  const end = `FLOTILLA_SCRIPT_END_${randomBytes(8).toString('hex')}`;
  const lines = [
    '__flotilla_parent=$PPID',
    '( while kill -0 "$__flotilla_parent" 2>/dev/null; do sleep 0.5; done; kill -KILL 0 ) </dev/null >/dev/null 2>&1 &',
    '__flotilla_watchdog=$!',
    ...Object.entries(spec.env).map(([key, value]) => `export ${key}=${shellQuote(value)}`),
    ...(spec.cwd ? [`cd -- ${shellQuote(spec.cwd)} || exit 1`] : []),
    `__flotilla_script=$(cat <<'${end}'`,
    spec.script,
    end,
    ')',
    '__flotilla_status=0',
    'bash -c "$__flotilla_script" flotilla-step </dev/null || __flotilla_status=$?',
    'kill "$__flotilla_watchdog" 2>/dev/null',
    'exit "$__flotilla_status"',
  ];
  return { command: 'bash -s', stdin: lines.join('\n') + '\n' };
}
