import path from 'node:path';
import type { Readable } from 'node:stream';
import { SshSession, type SshEndpoint } from '../targets/ssh-session.js';
import { TaskFailure } from '../tasks/task-kind.js';
import { shellQuote } from '../shell/shell-quote.js';
import type { ScriptOutput, TargetHost } from './target-host.js';
import type { ScriptSpec } from './wrap-script.js';
import { wrapScript } from './wrap-script.js';

/** An SSH target: scripts run through `bash -s` on the target, files arrive over SFTP. */
export class SshHost implements TargetHost {
  private constructor(
    readonly name: string,
    private readonly session: SshSession,
  ) {}

  static async open(endpoint: SshEndpoint, signal: AbortSignal): Promise<SshHost> {
    return new SshHost(endpoint.name, await SshSession.connect(endpoint, signal));
  }

  runScript(spec: ScriptSpec, output: ScriptOutput, signal: AbortSignal): Promise<number> {
    const { command, stdin } = wrapScript(spec);
    return this.session.exec(command, stdin, output, signal);
  }

  private async shell(script: string, what: string, signal: AbortSignal): Promise<void> {
    const chunks: Buffer[] = [];
    const code = await this.session.exec('sh -s', script, (chunk) => chunks.push(chunk), signal);
    if (code !== 0)
      throw new TaskFailure(`${what} failed on ${this.name}: ${Buffer.concat(chunks).toString().trim()}`);
  }

  async emptyDir(dir: string, signal: AbortSignal): Promise<void> {
    await this.shell(
      `rm -rf -- ${shellQuote(dir)} && mkdir -p -- ${shellQuote(dir)}\n`,
      `preparing ${dir}`,
      signal,
    );
  }

  async mkdir(dir: string): Promise<void> {
    await this.session.mkdir(dir);
  }

  async writeFile(file: string, content: Readable, mode: number): Promise<void> {
    await this.session.writeFile(file, content, mode);
  }

  async switchCurrent(dir: string, version: string, signal: AbortSignal): Promise<void> {
    const next = path.posix.join(dir, `.current-${Date.now()}`);
    await this.shell(
      `ln -s -- ${shellQuote(version)} ${shellQuote(next)} && mv -Tf -- ${shellQuote(next)} ${shellQuote(path.posix.join(dir, 'current'))}\n`,
      'switching the current link',
      signal,
    );
  }

  close(): void {
    this.session.close();
  }
}
