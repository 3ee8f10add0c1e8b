import { shellCommand, shellQuote as q } from '@flotilla/server-node/shell/shell-quote';
import type { SshConnection } from '../ssh/index.js';
import {
  tailCollector,
  type EngineCommand,
  type EngineExit,
  type EngineHost,
  type HostExec,
} from './engine-host.js';

/**
 * The source on a host of the Hosts view, over an open SSH connection (this class closes it). The CLI
 * is the one installed there; secrets are read by the remote shell from stdin into its environment,
 * so no command line on the host (or in sshd's logs) shows them.
 */
export class SshEngineHost implements EngineHost {
  readonly cli: readonly string[];

  constructor(
    private readonly ssh: SshConnection,
    /** Where flotilla-node is installed on the host (`current/node/bin/node`, `current/server/flotilla-node.mjs`). */
    installRoot: string,
  ) {
    const root = installRoot.replace(/\/+$/, '');
    this.cli = [`${root}/current/node/bin/node`, `${root}/current/server/flotilla-node.mjs`];
  }

  get where(): string {
    return this.ssh.target;
  }

  async run(command: EngineCommand): Promise<EngineExit> {
    const child = await this.ssh.spawn(remoteCommand(this.cli, command));
    const stderr = tailCollector();
    child.stdout.on('data', command.onStdout);
    child.stderr.on('data', stderr.add);
    child.stdin.end(secretLines(command.secrets));
    const exit = await child.exit;
    return { ...exit, stderr: stderr.text() };
  }

  shell(script: string, stdin?: string): Promise<HostExec> {
    return this.ssh.exec(`sh -c ${q(script)}`, {
      timeoutMs: 120_000,
      ...(stdin === undefined ? {} : { stdin }),
    });
  }

  close(): Promise<void> {
    return this.ssh.close();
  }
}

/** The secrets' values, one a line, in the order `remoteCommand` reads them. */
function secretLines(secrets: Record<string, string> = {}): string {
  return Object.values(secrets)
    .map((value) => `${value}\n`)
    .join('');
}

/**
 * `IFS= read -r NAME && export NAME && … exec CLI ARGS`: each secret is read from stdin (a value with
 * a line break is refused before it gets here), plain settings are assignments, every word quoted.
 */
export function remoteCommand(
  cli: readonly string[],
  command: Pick<EngineCommand, 'args' | 'env' | 'secrets'>,
): string {
  const reads = Object.keys(command.secrets ?? {}).map((name) => `IFS= read -r ${name} && export ${name}`);
  const assignments = Object.entries(command.env ?? {}).map(([name, value]) => `${name}=${q(value)}`);
  return [...reads, `exec env ${[...assignments, shellCommand([...cli, ...command.args])].join(' ')}`].join(
    ' && ',
  );
}
