import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../../../scripts/bundle-server.mjs', import.meta.url));

/** Runs `bundle:server`'s script into `outDir` (server-node must be built) and returns the archive. */
export async function buildServerBundle(outDir: string, version = '0.1.0'): Promise<string> {
  await run(process.execPath, [SCRIPT, '--out', outDir, '--version', version], { maxBuffer: 16 * 1024 ** 2 });
  return path.join(outDir, `flotilla-node-${version}-linux-x64.tar.gz`);
}
