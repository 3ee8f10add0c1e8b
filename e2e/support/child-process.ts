import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';

export interface Started<T> {
  child: ChildProcess;
  /** The first JSON line the process printed. */
  info: T;
  /** SIGTERM, SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Runs a process that prints one JSON line once it is ready (the sandbox, the web host), its output
 * appended to `logFile` so a failing test can be read afterwards.
 */
export async function startJsonProcess<T>(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; logFile: string; timeoutMs?: number },
): Promise<Started<T>> {
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  child.stderr.pipe(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (graceMs = 30_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  const info = await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${args.join(' ')} did not get ready; see ${options.logFile}`)),
      options.timeoutMs ?? 120_000,
    );
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited (${code}) before it was ready; see ${options.logFile}`));
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      log.write(line + '\n');
      if (!line.startsWith('{')) return;
      clearTimeout(timer);
      resolve(JSON.parse(line) as T);
    });
  }).catch(async (error: unknown) => {
    await stop(1000);
    throw error;
  });
  return { child, info, stop };
}
