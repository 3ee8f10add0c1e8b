import type { SshConnection } from '../ssh/ssh-connection.js';
import { shellCommand } from '@flotilla/server-node/shell/shell-quote';
import { BalancerHostError, type BalancerHost, type HostCommandResult } from './balancer-host.js';

/**
 * HAProxy on a remote host, through an open SSH connection (owned by the caller). Sockets are reached
 * with `socat`, which the balancer host needs installed; files with cat/mv/rm.
 */
export class SshBalancerHost implements BalancerHost {
  constructor(
    private readonly ssh: SshConnection,
    private readonly commandTimeoutMs = 30_000,
  ) {}

  get description(): string {
    return this.ssh.target;
  }

  async askSocket(socketPath: string, line: string): Promise<string> {
    // -t 10: after sending the line socat would otherwise give HAProxy only 0.5 s to answer.
    const result = await this.check(
      ['socat', '-t', '10', 'stdio', `UNIX-CONNECT:${socketPath}`],
      `${line}\n`,
    );
    return result.stdout;
  }

  run(argv: readonly string[]): Promise<HostCommandResult> {
    return this.ssh.exec(shellCommand(argv), { timeoutMs: this.commandTimeoutMs });
  }

  async readFile(file: string): Promise<string> {
    return (await this.check(['cat', '--', file])).stdout;
  }

  async writeFile(file: string, text: string): Promise<void> {
    await this.check(['sh', '-c', 'cat > "$1"', 'sh', file], text);
  }

  async rename(from: string, to: string): Promise<void> {
    await this.check(['mv', '-f', '--', from, to]);
  }

  async removeFile(file: string): Promise<void> {
    await this.check(['rm', '-f', '--', file]);
  }

  private async check(argv: readonly string[], stdin?: string): Promise<HostCommandResult> {
    const result = await this.ssh.exec(shellCommand(argv), {
      timeoutMs: this.commandTimeoutMs,
      ...(stdin === undefined ? {} : { stdin }),
    });
    if (result.code === 0) return result;
    const program = argv[0]!;
    const missing = result.code === 127 ? ` (${program} is not installed there?)` : '';
    throw new BalancerHostError(
      `${program} failed on ${this.ssh.target} with exit code ${result.code}${missing}: ${result.stderr.trim()}`,
    );
  }
}
