import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../../../scripts/bundle-server.mjs', import.meta.url));

/** Runs `bundle:server`'s script into `outDir` (server-node must be built) and returns the archive. */
export async function buildServerBundle(outDir: string, version = '0.1.0'): Promise<string> {
  // The Linux archive only: the provisioning tests upload it to Linux hosts.
  await run(process.execPath, [SCRIPT, '--out', outDir, '--version', version, '--platform', 'linux-x64'], {
    maxBuffer: 16 * 1024 ** 2,
  });
  return path.join(outDir, `flotilla-node-${version}-linux-x64.tar.gz`);
}
