import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { findFreePort } from '../net/free-port.js';

const run = promisify(execFile);

export interface SshdHostOptions {
  /** A loopback address standing for the host (127.0.0.0/8 only). */
  address?: string;
  /** Default: a free port on `address`. */
  port?: number;
}

// The console's tests use this host too (electron/src/services/test-support/sshd-host.ts re-exports it).

/**
 * A real OpenSSH server for tests: its own host key, a generated client key in its authorized_keys,
 * root login by key, password authentication offered (root has no usable password, so any password
 * fails), and the internal SFTP server. Runs in the foreground; `stop()` kills it by PID.
 */
export class SshdHost {
  private stderr = '';

  private constructor(
    readonly address: string,
    readonly port: number,
    readonly dir: string,
    /** The host key fingerprint as `ssh-keygen -lf` prints it. */
    readonly hostKeyFingerprint: string,
    readonly clientPrivateKey: string,
    private readonly child: ChildProcess,
  ) {
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
  }

  static async start(options: SshdHostOptions = {}): Promise<SshdHost> {
    const address = options.address ?? '127.0.0.2';
    if (!address.startsWith('127.')) throw new Error(`test sshd must listen on loopback, not ${address}`);
    const port = options.port ?? (await findFreePort(0, address));
    const dir = await mkdtemp(path.join(tmpdir(), 'flotilla-sshd-'));
    // sshd's privilege separation directory; absent on machines where sshd never ran.
    await mkdir('/run/sshd', { recursive: true });
    await keygen(path.join(dir, 'host_ed25519'));
    await keygen(path.join(dir, 'client_ed25519'));
    await writeFile(path.join(dir, 'authorized_keys'), await readFile(path.join(dir, 'client_ed25519.pub')));
    const configFile = path.join(dir, 'sshd_config');
    await writeFile(
      configFile,
      [
        `ListenAddress ${address}:${port}`,
        `HostKey ${path.join(dir, 'host_ed25519')}`,
        `PidFile ${path.join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
        'UsePAM no',
        'StrictModes no',
        'PermitRootLogin yes',
        'PubkeyAuthentication yes',
        'PasswordAuthentication yes',
        'KbdInteractiveAuthentication no',
        'Subsystem sftp internal-sftp',
        'LogLevel VERBOSE',
        '',
      ].join('\n'),
    );
    const fingerprint = (await run('ssh-keygen', ['-lf', path.join(dir, 'host_ed25519.pub')])).stdout.split(
      ' ',
    )[1]!;
    const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', configFile], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const host = new SshdHost(
      address,
      port,
      dir,
      fingerprint,
      await readFile(path.join(dir, 'client_ed25519'), 'utf8'),
      child,
    );
    await host.listening().catch(async (error: unknown) => {
      await host.stop();
      throw error;
    });
    return host;
  }

  get clientKeyFile(): string {
    return path.join(this.dir, 'client_ed25519');
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** sshd's own log so far (`-e`), for failure messages. */
  log(): string {
    return this.stderr;
  }

  /** Stops the listener by PID (SIGTERM, SIGKILL after 5 s) and removes its folder. */
  async stop(): Promise<void> {
    const { child } = this;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(this.dir, { recursive: true, force: true });
  }

  /** sshd says "Server listening on …" once its socket is bound; anything else first is a failure. */
  private listening(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => finish(new Error(`sshd did not start within 10 s:\n${this.stderr}`)),
        10_000,
      );
      const onData = () => {
        if (this.stderr.includes('Server listening on')) finish(null);
      };
      const onExit = () => finish(new Error(`sshd exited at start:\n${this.stderr}`));
      const finish = (error: Error | null) => {
        clearTimeout(timer);
        this.child.stderr?.off('data', onData);
        this.child.off('exit', onExit);
        if (error) reject(error);
        else resolve();
      };
      this.child.stderr?.on('data', onData);
      this.child.once('exit', onExit);
      onData();
    });
  }
}

async function keygen(file: string): Promise<void> {
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'flotilla-test', '-f', file]);
}
