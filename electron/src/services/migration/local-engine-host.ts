import { execFile, spawn } from 'node:child_process';
import {
  tailCollector,
  type EngineCommand,
  type EngineExit,
  type EngineHost,
  type HostExec,
} from './engine-host.js';

/** How the console runs the server node's CLI here: the sandbox's launch settings have exactly these. */
export interface ServerNodeCli {
  cliPath: string;
  /** The Node.js to run it with (in Electron: the app itself, ELECTRON_RUN_AS_NODE=1 in `env`). */
  nodeBinary?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * The source on this machine: the console's own server-node CLI as a child process, secrets in its
 * environment only. With `umask`, the CLI (and the node it starts again after the switch) runs with it:
 * the console's local standalone as root shares its files with nodes that run as the service user,
 * as the sandbox does.
 */
export class LocalEngineHost implements EngineHost {
  readonly where = 'this machine';
  readonly cli: readonly string[];
  private readonly running = new Set<ReturnType<typeof spawn>>();

  constructor(
    private readonly server: ServerNodeCli,
    private readonly umask?: number,
  ) {
    this.cli = [server.nodeBinary ?? process.execPath, server.cliPath];
  }

  run(command: EngineCommand): Promise<EngineExit> {
    const previous = this.umask === undefined ? null : process.umask(this.umask);
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(this.cli[0]!, [...this.cli.slice(1), ...command.args], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...this.server.env, ...command.env, ...command.secrets },
      });
    } finally {
      if (previous !== null) process.umask(previous);
    }
    this.running.add(child);
    const stderr = tailCollector();
    child.stdout!.on('data', command.onStdout);
    child.stderr!.on('data', stderr.add);
    return new Promise((resolve, reject) => {
      child.once('error', (error) => {
        this.running.delete(child);
        reject(new Error(`Cannot run the server node's CLI on this machine: ${error.message}`));
      });
      // 'close', not 'exit': every line of its output has been read by then.
      child.once('close', (code, signal) => {
        this.running.delete(child);
        resolve({ code, signal, stderr: stderr.text() });
      });
    });
  }

  shell(script: string, stdin?: string): Promise<HostExec> {
    return new Promise((resolve, reject) => {
      const child = execFile(
        'sh',
        ['-c', script],
        // The server's settings too: in Electron the CLI runs with ELECTRON_RUN_AS_NODE.
        { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, ...this.server.env } },
        (error, stdout, stderr) => {
          if (error && typeof error.code !== 'number')
            reject(new Error(`Cannot run sh on this machine: ${error.message}`));
          else resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
        },
      );
      child.stdin?.end(stdin);
    });
  }

  /** The console stops: running commands get SIGTERM (the engine lets go of its lock; running it again resumes). */
  close(): Promise<void> {
    for (const child of this.running) child.kill('SIGTERM');
    return Promise.resolve();
  }
}
