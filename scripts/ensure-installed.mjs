/* global process, console */
// The first step of `npm start` and `npm test`: installs the dependencies from the lockfile when they
// are missing or older than the lockfile, so either command works as the first one on a fresh clone.
// Downloads that the build machines cannot make never fail the install: Electron's binary is fetched
// in a separate step afterwards (the console runs in the browser without it), and Playwright uses
// the system's Chromium.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const stampFile = path.join(repo, 'node_modules', '.flotilla-installed');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** What the install depends on: the lockfile and every workspace's package.json. */
function inputsHash() {
  const files = [
    'package-lock.json',
    'package.json',
    ...workspaces().map((w) => path.join(w, 'package.json')),
  ];
  const hash = createHash('sha256');
  for (const file of files) hash.update(file).update(readFileSync(path.join(repo, file)));
  return hash.digest('hex');
}

function workspaces() {
  return JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')).workspaces;
}

function run(args, env) {
  return spawnSync(npm, args, { cwd: repo, stdio: 'inherit', env: { ...process.env, ...env } });
}

const wanted = inputsHash();
const installed = existsSync(stampFile) ? readFileSync(stampFile, 'utf8').trim() : null;
if (installed !== wanted) {
  console.log(
    installed === null
      ? 'Installing the dependencies from package-lock.json (first run)…'
      : 'package-lock.json changed since the last install: installing the dependencies again…',
  );
  const result = run(['ci', '--no-audit', '--no-fund'], {
    ELECTRON_SKIP_BINARY_DOWNLOAD: '1',
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1',
  });
  if (result.status !== 0) {
    console.error('npm ci failed (see above); nothing else was run.');
    process.exit(result.status ?? 1);
  }
  // Electron's own download, on its own: where it cannot be reached the console runs in the browser.
  const electronInstall = path.join(repo, 'node_modules', 'electron', 'install.js');
  if (existsSync(electronInstall) && !process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
    const electron = spawnSync(process.execPath, [electronInstall], {
      cwd: repo,
      stdio: 'pipe',
      timeout: 120_000,
    });
    if (electron.status !== 0)
      console.log(
        "Electron's binary could not be downloaded: `npm start` will open the console in your browser.",
      );
  }
  writeFileSync(stampFile, wanted + '\n');
}
