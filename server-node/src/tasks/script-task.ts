import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { TaskKind } from './task-kind.js';
import { TaskFailure } from './task-kind.js';
import { bashHereDoc } from './bash-here-doc.js';

const scriptArgs = z
  .object({
    script: z.string().min(1, 'script must not be empty'),
    shell: z.enum(['auto', 'bash', 'powershell']).default('auto'),
    timeoutSeconds: z.number().int().min(1).max(86_400).optional(),
  })
  .strict();

type ScriptArgs = z.infer<typeof scriptArgs>;

const KILL_GRACE_MS = 3000;

/**
 * The script goes on standard input, never in the arguments (which `ps` shows every local user):
 * PowerShell reads it as commands (`-Command -`, as deploy steps do), bash execs a child bash that
 * reads it from a here-document with /dev/null as its input (see `bashHereDoc`).
 */
function shellCommand(args: ScriptArgs): { command: string; argv: string[]; stdin: string } {
  const shell = args.shell === 'auto' ? (process.platform === 'win32' ? 'powershell' : 'bash') : args.shell;
  if (shell === 'powershell') {
    const exe = process.platform === 'win32' ? 'powershell.exe' : 'pwsh';
    return {
      command: exe,
      argv: ['-NoProfile', '-NonInteractive', '-Command', '-'],
      stdin: `${args.script}\n`,
    };
  }
  const program = bashHereDoc(args.script, (run) => `exec ${run}`);
  return { command: 'bash', argv: ['-s'], stdin: `${program.join('\n')}\n` };
}

/**
 * Runs a script on the node (bash on Linux, PowerShell on Windows), its output captured as the
 * attempt's log. Running it twice is not safe in general, so node loss fails it (retry is explicit).
 * The script runs in its own process group so cancel and fencing stop everything it started; its
 * pid is recorded under <home>/running so a node restarted after a crash can stop leftovers.
 */
export const scriptTask: TaskKind<ScriptArgs> = {
  name: 'script',
  argsSchema: scriptArgs,
  argsRole: 'deployer',
  onNodeLoss: 'fail',
  async run({ id, attempt, args, signal, log, home }) {
    const { command, argv, stdin } = shellCommand(args);
    const pidDir = path.join(home, 'running');
    await mkdir(pidDir, { recursive: true });
    const child = spawn(command, argv, {
      detached: process.platform !== 'win32',
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, FLOTILLA_TASK_ID: id, FLOTILLA_TASK_ATTEMPT: String(attempt) },
      windowsHide: true,
    });
    // Listen before anything async: a quick script can finish before the next tick.
    child.stdout.on('data', (chunk: Buffer) => log.write(chunk));
    child.stderr.on('data', (chunk: Buffer) => log.write(chunk));
    // A script that exits before reading all of its input must not fail the task with EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin);
    const exited = new Promise<{ code: number | null; spawnError?: Error }>((resolve) => {
      child.once('error', (error) => resolve({ code: null, spawnError: error }));
      child.once('close', (exitCode) => resolve({ code: exitCode }));
    });
    const stopped: { reason: string | null } = { reason: null };
    const stop = (reason: string) => {
      if (stopped.reason || child.exitCode !== null) return;
      stopped.reason = reason;
      killGroup(child.pid, 'SIGTERM');
      setTimeout(() => killGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS).unref();
    };
    const onAbort = () => stop(String(signal.reason ?? 'aborted'));
    signal.addEventListener('abort', onAbort);
    // The attempt may have been stopped while we were getting ready.
    if (signal.aborted) onAbort();
    const pidFile = path.join(pidDir, `${id}.pid`);
    if (child.pid) await writeFile(pidFile, String(child.pid));
    const timer = args.timeoutSeconds
      ? setTimeout(() => stop(`timed out after ${args.timeoutSeconds} s`), args.timeoutSeconds * 1000)
      : null;

    try {
      const { code, spawnError } = await exited;
      if (spawnError) throw new TaskFailure(`could not start ${command}: ${spawnError.message}`);
      if (signal.aborted) throw signal.reason as Error;
      if (stopped.reason) throw new TaskFailure(`script stopped: ${stopped.reason}`);
      if (code !== 0) throw new TaskFailure(`script exited with code ${code}`);
    } finally {
      signal.removeEventListener('abort', onAbort);
      if (timer) clearTimeout(timer);
      await rm(pidFile, { force: true });
    }
  },
};

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(process.platform === 'win32' ? pid : -pid, signal);
  } catch {
    // Already gone.
  }
}

/** Stops scripts a previous run of this node left behind when it was killed. */
export async function killLeftoverScripts(home: string): Promise<number> {
  const pidDir = path.join(home, 'running');
  const files = await readdir(pidDir).catch(() => [] as string[]);
  for (const file of files) {
    const pid = Number(await readFile(path.join(pidDir, file), 'utf8').catch(() => ''));
    if (pid > 0) killGroup(pid, 'SIGKILL');
    await rm(path.join(pidDir, file), { force: true });
  }
  return files.length;
}
