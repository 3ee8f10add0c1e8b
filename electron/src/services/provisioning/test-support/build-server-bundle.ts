import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../../../scripts/bundle-server.mjs', import.meta.url));

/** Runs `bundle:server`'s script into `outDir` (server-node must be built) and returns the archive. */
export async function buildServerBundle(outDir: string, version = '0.1.0'): Promise<string> {
  const [archive] = await buildServerBundles(outDir, [version]);
  return archive!;
}

/**
 * One build, one archive per version (each carries the migrations of its release and older, as that
 * release would): how the upgrade tests get an older and newer releases side by side.
 */
export async function buildServerBundles(outDir: string, versions: string[]): Promise<string[]> {
  // The Linux archive only: the provisioning tests upload it to Linux hosts.
  const args = [SCRIPT, '--out', outDir, '--platform', 'linux-x64'];
  for (const version of versions) args.push('--version', version);
  await run(process.execPath, args, { maxBuffer: 16 * 1024 ** 2 });
  return versions.map((version) => path.join(outDir, `flotilla-node-${version}-linux-x64.tar.gz`));
}
