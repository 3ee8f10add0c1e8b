/* global process, console, URL */
// `npm start`: the Electron console with the local sandbox cluster started and selected. Where the
// Electron binary is missing (installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1, as on build machines)
// or there is no display, it says so in one line and runs the same console in the browser instead.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const electronDir = fileURLToPath(new URL('../', import.meta.url));
const repo = path.resolve(electronDir, '..');
const sandboxArgs = ['--start-sandbox', '--sandbox-dir', path.join(repo, '.sandbox')];

/** The Electron binary's path, or null when the package is there without it. */
function electronBinary() {
  const require = createRequire(import.meta.url);
  let packageDir;
  try {
    packageDir = path.dirname(require.resolve('electron/package.json'));
  } catch {
    return null;
  }
  // The electron package writes path.txt once its binary is downloaded; its index.js throws without it.
  const pathFile = path.join(packageDir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = path.join(packageDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

/**
 * The Hosts view uploads dist-bundles/flotilla-node-<version>-linux-x64.tar.gz to the hosts it provisions:
 * built once here when missing, so provisioning works from the first start. A failure only warns.
 */
function ensureServerBundle() {
  const { version } = JSON.parse(readFileSync(path.join(repo, 'server-node', 'package.json'), 'utf8'));
  const archive = path.join(repo, 'dist-bundles', `flotilla-node-${version}-linux-x64.tar.gz`);
  if (existsSync(archive) || process.platform !== 'linux' || process.arch !== 'x64') return;
  console.log(
    'Building the server archive the console uploads when it provisions a host (once, about 20 s)…',
  );
  const built = spawnSync(
    process.execPath,
    [path.join(electronDir, 'scripts', 'bundle-server.mjs'), '--platform', 'linux-x64'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (built.status !== 0)
    console.log('Could not build it; the console starts anyway. Provisioning needs: npm run bundle:server');
}
ensureServerBundle();

const hasDisplay =
  process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
const binary = electronBinary();

let command;
let args;
if (binary && hasDisplay) {
  command = binary;
  args = [electronDir, ...sandboxArgs];
} else {
  console.log(
    binary
      ? 'No display here: starting the console in the browser instead (npm run console:web).'
      : 'The Electron binary is not installed (ELECTRON_SKIP_BINARY_DOWNLOAD): starting the console in the browser instead (npm run console:web).',
  );
  command = process.execPath;
  args = [path.join(electronDir, 'dist', 'web-host', 'main.js'), ...sandboxArgs];
}

const child = spawn(command, args, { stdio: 'inherit' });
// Ctrl+C reaches the child through the terminal; a SIGTERM to us is passed on so the sandbox stops cleanly.
process.on('SIGTERM', () => child.kill('SIGTERM'));
process.on('SIGINT', () => undefined);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
