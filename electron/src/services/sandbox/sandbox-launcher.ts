import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { UserError } from '../../common/user-error.js';

/** What `flotilla-node sandbox --json` prints once its cluster is up. */
export interface SandboxInfo {
  balancerUrl: string;
  apiKey: string;
  dbUrl: string;
  sharedDir: string;
  nodes: { name: string; url: string; pid: number }[];
}

export interface SandboxLaunchOptions {
  /** The server node's CLI entry (server-node/dist/cli/main.js, or the bundle shipped with the app). */
  cliPath: string;
  dir: string;
  nodes?: number;
  /** Base port: the balancer on it, nodes above it. Default: the CLI's (8300). */
  port?: number;
  /** The Node.js to run it with; in Electron that is the app itself with ELECTRON_RUN_AS_NODE=1. */
  nodeBinary?: string;
  env?: NodeJS.ProcessEnv;
  startTimeoutMs?: number;
  /** Each line of the sandbox's own log (stderr), for the console's log. */
  onLog?: (line: string) => void;
  /** The sandbox stopped on its own (crash, or killed from outside) after it was ready. */
  onExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

/**
 * Starts a whole local cluster (`flotilla-node sandbox --json`) as a child process, resolves with its
 * connection details once it is ready, and stops it with SIGTERM so PostgreSQL and the nodes shut
 * down cleanly.
 */
export class SandboxLauncher {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private stopRequested: () => void = () => undefined;

  constructor(private readonly options: SandboxLaunchOptions) {}

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<SandboxInfo> {
    if (this.running) throw new UserError('The sandbox is already running.');
    const { cliPath, dir } = this.options;
    const args = [cliPath, 'sandbox', '--dir', dir, '--nodes', String(this.options.nodes ?? 3), '--json'];
    if (this.options.port !== undefined) args.push('--port', String(this.options.port));
    const child = spawn(this.options.nodeBinary ?? process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...this.options.env },
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    let ready = false;
    let stopping = false;
    this.stopRequested = () => (stopping = true);
    child.once('exit', (code, signal) => {
      if (ready && !stopping) this.options.onExit?.(code, signal);
    });
    const stderr: string[] = [];
    createInterface({ input: child.stderr }).on('line', (line) => {
      stderr.push(line);
      if (stderr.length > 30) stderr.shift();
      this.options.onLog?.(line);
    });
    const timeoutMs = this.options.startTimeoutMs ?? 120_000;
    try {
      return await new Promise<SandboxInfo>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new UserError(`The sandbox did not start within ${timeoutMs / 1000} s.\n${stderr.join('\n')}`),
            ),
          timeoutMs,
        );
        child.once('error', (error) => {
          clearTimeout(timer);
          reject(new UserError(`Could not run the sandbox (${error.message}).`));
        });
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(
            new UserError(
              `The sandbox exited (${code ?? signal}) before it was ready:\n${stderr.join('\n')}`,
            ),
          );
        });
        createInterface({ input: child.stdout }).on('line', (line) => {
          const info = parseSandboxLine(line);
          if (!info) return;
          clearTimeout(timer);
          ready = true;
          resolve(info);
        });
      });
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** SIGTERM, then SIGKILL if it has not stopped within `graceMs`. */
  async stop(graceMs = 30_000): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    this.stopRequested();
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** The JSON line, with `balancerUrl` falling back to the first node for sandboxes without a balancer. */
export function parseSandboxLine(line: string): SandboxInfo | null {
  if (!line.startsWith('{')) return null;
  let parsed: Partial<SandboxInfo>;
  try {
    parsed = JSON.parse(line) as Partial<SandboxInfo>;
  } catch {
    return null;
  }
  if (typeof parsed.apiKey !== 'string' || !Array.isArray(parsed.nodes)) return null;
  const balancerUrl = parsed.balancerUrl || parsed.nodes[0]?.url;
  if (!balancerUrl) return null;
  return {
    balancerUrl,
    apiKey: parsed.apiKey,
    dbUrl: parsed.dbUrl ?? '',
    sharedDir: parsed.sharedDir ?? '',
    nodes: parsed.nodes,
  };
}
