import type { HostOsDto } from '../../common/contract.js';
import type { SshConnection } from '../ssh/index.js';

/** What the host runs, from `uname` and `/etc/os-release` (PRETTY_NAME), read once when it is added. */
export async function detectHostOs(ssh: SshConnection): Promise<HostOsDto> {
  const result = await ssh.exec('uname -s; uname -r; uname -m; cat /etc/os-release 2>/dev/null || true', {
    timeoutMs: 15_000,
  });
  const [system = '', kernel = '', arch = '', ...release] = result.stdout.split('\n');
  const pretty = release
    .map((line) => /^PRETTY_NAME="?([^"]*)"?$/.exec(line)?.[1])
    .find((name) => name !== undefined);
  return { name: pretty || system.trim() || 'unknown', kernel: kernel.trim(), arch: arch.trim() };
}
