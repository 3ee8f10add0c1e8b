import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { hostKeyFingerprint, sameFingerprint } from '../ssh/host-key-fingerprint.js';
import { TaskFailure } from '../tasks/task-kind.js';
import type { TargetAuth } from './target-rows.js';

// The server node's only SSH code: connect with a pinned host key, run a program fed on standard
// input, write files over SFTP. (The console has its own SSH layer; the node never imports it. Both fingerprint keys with ssh/.)

export interface SshEndpoint {
  name: string;
  host: string;
  port: number;
  username: string;
  auth: TargetAuth;
  hostKeyFingerprint: string | null;
}

export class SshSession {
  private sftpChannel: SFTPWrapper | null = null;

  private constructor(private readonly client: Client) {}

  static async connect(endpoint: SshEndpoint, signal: AbortSignal): Promise<SshSession> {
    const client = new Client();
    let presented: string | null = null;
    const config: ConnectConfig = {
      host: endpoint.host,
      port: endpoint.port,
      username: endpoint.username,
      readyTimeout: 15_000,
      keepaliveInterval: 5000,
      hostVerifier: (key: Buffer) => {
        presented = hostKeyFingerprint(key);
        return (
          endpoint.hostKeyFingerprint !== null && sameFingerprint(presented, endpoint.hostKeyFingerprint)
        );
      },
      ...(endpoint.auth.kind === 'key'
        ? { privateKey: endpoint.auth.privateKey, passphrase: endpoint.auth.passphrase }
        : { password: endpoint.auth.password }),
    };
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        client.end();
        reject(signal.reason as Error);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      client.once('ready', () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
      client.once('error', (error: Error & { level?: string }) => {
        signal.removeEventListener('abort', onAbort);
        reject(new TaskFailure(describeSshError(endpoint, error, presented)));
      });
      client.connect(config);
    });
    // Errors after connecting (a reset connection) surface through the running operation.
    client.on('error', () => undefined);
    return new SshSession(client);
  }

  /** Runs `command` with `stdin` as its input; resolves with its exit code. Abort closes the connection. */
  exec(
    command: string,
    stdin: string,
    output: (chunk: Buffer, stream: 'stdout' | 'stderr') => void,
    signal: AbortSignal,
  ): Promise<number> {
    return new Promise((resolve, reject) => {
      this.client.exec(command, (error, channel) => {
        if (error) return reject(new TaskFailure(`could not start a command over SSH: ${error.message}`));
        let code: number | null = null;
        const onAbort = () => {
          // Closing the session ends the remote program: its watchdog sees the SSH session go.
          channel.close();
          this.client.end();
        };
        signal.addEventListener('abort', onAbort, { once: true });
        channel.on('data', (chunk: Buffer) => output(chunk, 'stdout'));
        channel.stderr.on('data', (chunk: Buffer) => output(chunk, 'stderr'));
        channel.on('exit', (exitCode: number | null) => (code = exitCode));
        channel.on('close', () => {
          signal.removeEventListener('abort', onAbort);
          if (signal.aborted) reject(signal.reason as Error);
          else if (code === null)
            reject(new TaskFailure('the SSH connection closed before the command finished'));
          else resolve(code);
        });
        channel.end(stdin);
      });
    });
  }

  private async sftp(): Promise<SFTPWrapper> {
    this.sftpChannel ??= await new Promise<SFTPWrapper>((resolve, reject) =>
      this.client.sftp((error, sftp) =>
        error ? reject(new TaskFailure(`SFTP is not available: ${error.message}`)) : resolve(sftp),
      ),
    );
    return this.sftpChannel;
  }

  /** Creates a folder; an existing one is fine. */
  async mkdir(remotePath: string): Promise<void> {
    const sftp = await this.sftp();
    await new Promise<void>((resolve) => sftp.mkdir(remotePath, () => resolve()));
  }

  async writeFile(remotePath: string, content: Readable, mode: number): Promise<void> {
    const sftp = await this.sftp();
    await pipeline(content, sftp.createWriteStream(remotePath, { mode }));
  }

  close(): void {
    this.client.end();
  }
}

function describeSshError(
  endpoint: SshEndpoint,
  error: Error & { level?: string },
  presented: string | null,
): string {
  const where = `${endpoint.username}@${endpoint.host}:${endpoint.port} (target ${endpoint.name})`;
  if (/verification failed|host denied/i.test(error.message) && presented) {
    return endpoint.hostKeyFingerprint
      ? `host key mismatch at ${where}: it presents ${presented}, the target pins ${endpoint.hostKeyFingerprint}. ` +
          `If the host was reinstalled, check it and update the target's hostKeyFingerprint; otherwise someone may be intercepting.`
      : `no host key pinned for ${where}: it presents ${presented}. If that is the host's key (ssh-keygen -lf on the host), ` +
          `set it as the target's hostKeyFingerprint.`;
  }
  if (error.level === 'client-authentication') {
    return `${where} rejected the credentials (${endpoint.auth.kind}); check the user name and ${endpoint.auth.kind === 'key' ? 'that the public key is in authorized_keys' : 'password'}.`;
  }
  return `cannot connect to ${where}: ${error.message}`;
}
