import { shellQuote as q } from '@flotilla/server-node/shell/shell-quote';
import { type SshConnection } from '../ssh/index.js';
import type { ProvisionStep } from '../../common/node-action-steps.js';

/**
 * The steps a provisioning run completed, kept on the host (`step sha256` per line) so that running
 * it again continues where it stopped. A step counts only for the bundle it was done with.
 */
export class ProvisionState {
  private constructor(
    private readonly ssh: SshConnection,
    private readonly file: string,
    private readonly done: Set<string>,
  ) {}

  static async read(ssh: SshConnection, file: string): Promise<ProvisionState> {
    const text = (await ssh.exec(`cat ${q(file)} 2>/dev/null || true`)).stdout;
    return new ProvisionState(ssh, file, new Set(text.split('\n').filter(Boolean)));
  }

  has(step: ProvisionStep, bundleSha: string): boolean {
    return this.done.has(`${step} ${bundleSha}`);
  }

  async mark(step: ProvisionStep, bundleSha: string): Promise<void> {
    const line = `${step} ${bundleSha}`;
    const result = await this.ssh.exec(
      `mkdir -p "$(dirname ${q(this.file)})" && echo ${q(line)} >> ${q(this.file)}`,
    );
    if (result.code !== 0) throw new Error(`Cannot record step ${step} in ${this.file}: ${result.stderr}`);
    this.done.add(line);
  }
}
