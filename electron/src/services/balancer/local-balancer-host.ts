import { execFile } from 'node:child_process';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { BalancerHostError, type BalancerHost, type HostCommandResult } from './balancer-host.js';

/** HAProxy on this machine: files through `fs`, sockets through `net`, programs without a shell. */
export class LocalBalancerHost implements BalancerHost {
  readonly description = 'this machine';

  constructor(private readonly socketTimeoutMs = 10_000) {}

  askSocket(socketPath: string, line: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      const socket = net.createConnection(socketPath);
      socket.setTimeout(this.socketTimeoutMs, () =>
        socket.destroy(
          new BalancerHostError(`${socketPath} did not answer within ${this.socketTimeoutMs} ms.`),
        ),
      );
      socket.on('connect', () => socket.end(`${line}\n`));
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', (error: NodeJS.ErrnoException) =>
        reject(
          error instanceof BalancerHostError
            ? error
            : new BalancerHostError(
                `Cannot talk to HAProxy on ${socketPath} (${error.code ?? error.message}): is HAProxy running with that socket?`,
                { cause: error },
              ),
        ),
      );
      // The Runtime API answers one command line and closes: the answer is complete at close.
      socket.on('close', (hadError) => {
        if (!hadError) resolve(Buffer.concat(chunks).toString('utf8'));
      });
    });
  }

  run(argv: readonly string[]): Promise<HostCommandResult> {
    const [program, ...args] = argv;
    if (!program) return Promise.reject(new Error('run needs a program'));
    return new Promise((resolve, reject) => {
      execFile(program, args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(
            new BalancerHostError(`Cannot run ${program} on this machine: ${error.message}`, {
              cause: error,
            }),
          );
          return;
        }
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      });
    });
  }

  readFile(file: string): Promise<string> {
    return readFile(file, 'utf8');
  }

  writeFile(file: string, text: string): Promise<void> {
    return writeFile(file, text);
  }

  rename(from: string, to: string): Promise<void> {
    return rename(from, to);
  }

  removeFile(file: string): Promise<void> {
    return rm(file, { force: true });
  }
}
