import type { ShellKind } from '../api/index.js';
import { bashHereDoc } from '../tasks/bash-here-doc.js';
import { shellQuote } from '../shell/shell-quote.js';

export interface ScriptSpec {
  shell: ShellKind;
  script: string;
  cwd?: string | undefined;
  env: Record<string, string>;
}

/**
 * A PowerShell expression for `value`, carried as base64 so that no character needs escaping (not even
 * ’ and ‘, which PowerShell takes for quotes, so that `''` escaping alone lets a value break out).
 */
function psString(value: string): string {
  return `([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('${Buffer.from(value).toString('base64')}')))`;
}

/**
 * The program fed to `bash -s` (or `pwsh -Command -`) on its standard input, locally and over SSH.
 * The command itself never varies: the script and every value (sensitive variables included) travel
 * in the program, so no process's arguments — what `ps` shows any local user — ever hold them.
 * Values become environment variables of the script; the script's text reaches its bash through a
 * here-document (see `bashHereDoc`).
 *
 * For bash, a watchdog runs beside the script and kills the whole process group as soon as the
 * process that started it (the node, or the SSH session) is gone. So when a node is killed with
 * SIGKILL, its step stops within half a second instead of running on unseen while another node
 * resumes the deployment and runs it again. The user's script runs in a child bash of its own, so
 * its traps and `exit` cannot disturb the watchdog.
 */
export function wrapScript(spec: ScriptSpec): { command: string; stdin: string } {
  if (spec.shell === 'powershell') {
    const lines = [
      ...Object.entries(spec.env).map(([key, value]) => `$env:${key} = ${psString(value)}`),
      ...(spec.cwd ? [`Set-Location -LiteralPath ${psString(spec.cwd)}`] : []),
      spec.script,
    ];
    return { command: 'pwsh -NoProfile -NonInteractive -Command -', stdin: lines.join('\n') + '\n' };
  }
  const lines = [
    '__flotilla_parent=$PPID',
    '( while kill -0 "$__flotilla_parent" 2>/dev/null; do sleep 0.5; done; kill -KILL 0 ) </dev/null >/dev/null 2>&1 &',
    '__flotilla_watchdog=$!',
    ...Object.entries(spec.env).map(([key, value]) => `export ${key}=${shellQuote(value)}`),
    ...(spec.cwd ? [`cd -- ${shellQuote(spec.cwd)} || exit 1`] : []),
    '__flotilla_status=0',
    ...bashHereDoc(spec.script, (run) => `${run} || __flotilla_status=$?`),
    'kill "$__flotilla_watchdog" 2>/dev/null',
    'exit "$__flotilla_status"',
  ];
  return { command: 'bash -s', stdin: lines.join('\n') + '\n' };
}
