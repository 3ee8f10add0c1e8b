import type { Readable, Writable } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import { SshConnectionLostError } from './ssh-errors.js';

export interface SshExit {
  /** The exit status; null when the command ended by a signal or was killed. */
  code: number | null;
  signal: string | null;
}

/** A command running on the host: its three streams and its end. */
export class SshProcess {
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Resolves when the command ends; rejects when the connection dropped before it said how it ended. */
  readonly exit: Promise<SshExit>;
  private killed = false;

  constructor(
    private readonly channel: ClientChannel,
    target: string,
    command: string,
  ) {
    this.stdin = channel;
    this.stdout = channel;
    this.stderr = channel.stderr;
    this.exit = new Promise((resolve, reject) => {
      let exit: SshExit | undefined;
      channel.on('exit', (code: number | null, signal?: string) => {
        exit = { code: code ?? null, signal: signal ?? null };
      });
      channel.on('close', () => {
        if (exit) resolve(exit);
        else if (this.killed) resolve({ code: null, signal: 'KILL' });
        else
          reject(
            new SshConnectionLostError(
              target,
              `The SSH connection to ${target} closed before "${firstWord(command)}" finished: its outcome is unknown.`,
            ),
          );
      });
    });
    // The exit promise is the place errors are reported; the stream error is its echo.
    channel.on('error', () => undefined);
  }

  /** Asks the host to kill the command and closes the channel. */
  kill(): void {
    this.killed = true;
    this.channel.signal('KILL');
    this.channel.close();
  }
}

/** Commands may carry paths or arguments the admin typed; messages name only the program. */
function firstWord(command: string): string {
  return command.trim().split(/\s+/, 1)[0] ?? '';
}
