import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TaskFailure } from '../tasks/task-kind.js';
import type { ScriptOutput, TargetHost } from './target-host.js';
import type { ScriptSpec } from './wrap-script.js';
import { wrapScript } from './wrap-script.js';

const KILL_GRACE_MS = 3000;

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(process.platform === 'win32' ? pid : -pid, signal);
  } catch {
    // Already gone.
  }
}

/** The node running the deployment, as a target ("the node itself"). */
export class LocalHost implements TargetHost {
  constructor(readonly name: string) {}

  runScript(spec: ScriptSpec, output: ScriptOutput, signal: AbortSignal): Promise<number> {
    const { command, stdin } = wrapScript(spec);
    const [program, ...args] = command.split(' ');
    // Its own process group, so cancel and fencing stop everything the script started.
    const child = spawn(program!, args, {
      detached: process.platform !== 'win32',
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    child.stdout.on('data', (chunk: Buffer) => output(chunk, 'stdout'));
    child.stderr.on('data', (chunk: Buffer) => output(chunk, 'stderr'));
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        killGroup(child.pid, 'SIGTERM');
        setTimeout(() => killGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS).unref();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      child.once('error', (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(new TaskFailure(`could not start ${program}: ${error.message}`));
      });
      child.once('close', (code) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) reject(signal.reason as Error);
        else resolve(code ?? 1);
      });
    });
  }

  async emptyDir(dir: string): Promise<void> {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
  }

  async mkdir(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
  }

  async writeFile(file: string, content: Readable, mode: number): Promise<void> {
    await pipeline(content, createWriteStream(file, { mode }));
  }

  async switchCurrent(dir: string, version: string): Promise<void> {
    const next = path.join(dir, `.current-${process.pid}-${Date.now()}`);
    await symlink(version, next);
    await rename(next, path.join(dir, 'current'));
  }

  close(): void {}
}
