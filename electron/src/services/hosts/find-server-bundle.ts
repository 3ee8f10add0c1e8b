import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../../common/user-error.js';
import { readServerBundle, type ServerBundle } from '../provisioning/index.js';

const LINUX_BUNDLE = /^flotilla-node-(.+)-linux-x64\.tar\.gz$/;

/**
 * The server bundle provisioning uploads: from `bundlesDir` (the repository's dist-bundles, or the
 * installed app's resources), the console's own version when it is there, else the newest one.
 */
export async function findServerBundle(bundlesDir: string, preferVersion: string): Promise<ServerBundle> {
  const files = (await readdir(bundlesDir).catch(() => [] as string[])).filter((file) =>
    LINUX_BUNDLE.test(file),
  );
  if (files.length === 0)
    throw new UserError(
      `No server bundle in ${bundlesDir}: run \`npm run bundle:server\` to build flotilla-node-<version>-linux-x64.tar.gz there.`,
    );
  const own = files.find((file) => LINUX_BUNDLE.exec(file)?.[1] === preferVersion);
  const newest = async () => {
    const dated = await Promise.all(
      files.map(async (file) => ({ file, at: (await stat(path.join(bundlesDir, file))).mtimeMs })),
    );
    return dated.sort((a, b) => b.at - a.at)[0]!.file;
  };
  return readServerBundle(path.join(bundlesDir, own ?? (await newest())));
}
