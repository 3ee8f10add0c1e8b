import type { Client, SFTPWrapper } from 'ssh2';
import { connectClient, type PresentedHostKey } from './connect-client.js';
import { sshAuthMethods } from './ssh-auth-methods.js';
import { SshConnectionLostError, SshError, SshTimeoutError } from './ssh-errors.js';
import { describeHost, type SshHostSpec } from './ssh-host-spec.js';
import { SshProcess, type SshExit } from './ssh-process.js';

export interface SshConnectOptions {
  /**
   * The host key fingerprint the admin confirmed (`SHA256:…`). With null the connection is refused with
   * a `HostKeyNotConfirmedError` carrying the presented fingerprint, before any credential is sent.
   */
  hostKey: string | null;
  /** For reaching the host, the handshake and signing in together. */
  timeoutMs?: number;
  /** SSH keepalive interval, so a dead host is noticed on an idle connection. */
  keepaliveMs?: number;
}

export interface SshExecOptions {
  /** Written to the command's stdin, which is then closed. Secrets belong here, never in the command. */
  stdin?: string | Buffer;
  /** Kills the command and rejects with `SshTimeoutError` after this long. */
  timeoutMs?: number;
}

export interface SshExecResult extends SshExit {
  stdout: string;
  stderr: string;
}

export interface SshUploadOptions {
  /** File mode on the host, e.g. 0o755. */
  mode?: number;
  onProgress?: (sentBytes: number, totalBytes: number) => void;
}

/**
 * One signed-in SSH connection: commands (collected or streamed) and SFTP. Every console feature that
 * touches a remote host (provisioning, the balancer host, remote logs) goes through this class.
 */
export class SshConnection {
  private lostReason: string | null = null;
  private readonly closed: Promise<void>;

  private constructor(
    private readonly client: Client,
    /** `user@host:port`, for messages. */
    readonly target: string,
    /** The key the host presented (it matched the pin). */
    readonly hostKey: PresentedHostKey,
  ) {
    this.closed = new Promise((resolve) => client.once('close', () => resolve()));
    client.on('error', (error: Error) => {
      this.lostReason = error.message;
    });
    client.once('close', () => {
      this.lostReason ??= 'connection closed';
    });
  }

  static async connect(spec: SshHostSpec, options: SshConnectOptions): Promise<SshConnection> {
    const target = describeHost(spec);
    const { client, hostKey } = await connectClient({
      target,
      pin: options.hostKey,
      method: spec.auth.kind,
      timeoutMs: options.timeoutMs ?? 15_000,
      config: {
        host: spec.host,
        port: spec.port,
        username: spec.username,
        authHandler: sshAuthMethods(spec.username, spec.auth, target),
        keepaliveInterval: options.keepaliveMs ?? 10_000,
        keepaliveCountMax: 3,
      },
    });
    return new SshConnection(client, target, hostKey);
  }

  /** Starts a command (through the login shell of the user) and hands over its streams. */
  spawn(command: string): Promise<SshProcess> {
    this.assertOpen();
    return new Promise((resolve, reject) => {
      this.client.exec(command, (error, channel) => {
        if (error)
          reject(new SshError(this.target, `Cannot start a command on ${this.target}: ${error.message}`));
        else resolve(new SshProcess(channel, this.target, command));
      });
    });
  }

  /** Runs a command to its end and collects its output. A non-zero exit is a result, not an error. */
  async exec(command: string, options: SshExecOptions = {}): Promise<SshExecResult> {
    const child = await this.spawn(command);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdin.end(options.stdin);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_resolve, reject) => {
      if (options.timeoutMs === undefined) return;
      timer = setTimeout(() => {
        child.kill();
        reject(
          new SshTimeoutError(
            this.target,
            `A command on ${this.target} did not finish within ${options.timeoutMs} ms.`,
          ),
        );
      }, options.timeoutMs);
    });
    try {
      const exit = await Promise.race([child.exit, timedOut]);
      return {
        ...exit,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      };
    } finally {
      clearTimeout(timer);
    }
  }

  /** An SFTP session for what `upload` does not cover; end it when done. */
  sftp(): Promise<SFTPWrapper> {
    this.assertOpen();
    return new Promise((resolve, reject) => {
      this.client.sftp((error, sftp) => {
        if (error)
          reject(new SshError(this.target, `SFTP is not available on ${this.target}: ${error.message}`));
        else resolve(sftp);
      });
    });
  }

  /** Copies a local file to the host over SFTP, reporting progress. */
  async upload(localPath: string, remotePath: string, options: SshUploadOptions = {}): Promise<void> {
    const sftp = await this.sftp();
    try {
      await new Promise<void>((resolve, reject) => {
        sftp.fastPut(
          localPath,
          remotePath,
          {
            ...(options.mode === undefined ? {} : { mode: options.mode }),
            step: (sent, _chunk, total) => options.onProgress?.(sent, total),
          },
          (error) => {
            if (error)
              reject(
                new SshError(this.target, `Upload to ${this.target}:${remotePath} failed: ${error.message}`),
              );
            else resolve();
          },
        );
      });
    } finally {
      sftp.end();
    }
  }

  /** Closes the connection and waits until the socket is gone. */
  async close(): Promise<void> {
    this.client.end();
    await this.closed;
  }

  private assertOpen(): void {
    if (this.lostReason !== null)
      throw new SshConnectionLostError(
        this.target,
        `The SSH connection to ${this.target} is closed (${this.lostReason}).`,
      );
  }
}
