/* global process, console */
// Before `npm test`: the system programs the suite drives for real (HAProxy and socat for the
// balancer, sshd for provisioning and SSH targets, Chromium for the console's end-to-end tests).
// On Debian or Ubuntu as root, installs what is missing with apt-get, from the same list `.ci/run`
// uses (test-system-packages.txt); elsewhere stops in one line with the command to run.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const packages = readFileSync(path.join(here, 'test-system-packages.txt'), 'utf8')
  .split(/\s+/)
  .filter(Boolean);

/** A package counts as there when dpkg says it is installed. */
function installed(pkg) {
  const result = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.includes('install ok installed');
}

const hasApt = existsSync('/usr/bin/apt-get') && existsSync('/usr/bin/dpkg-query');
const missing = hasApt ? packages.filter((pkg) => !installed(pkg)) : packages;
if (missing.length === 0) process.exit(0);

const command = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!hasApt || !isRoot) {
  console.error(
    `npm test needs ${missing.join(', ')} and runs as root (real sshd hosts, HAProxy, Chromium): on Debian or Ubuntu run \`sudo sh -c '${command}'\` and then \`sudo npm test\`.`,
  );
  process.exit(1);
}
console.log(`Installing what the tests drive: ${missing.join(' ')}…`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [
  ['update', '-q'],
  ['install', '-y', '-q', '--no-install-recommends', ...missing],
]) {
  const result = spawnSync('apt-get', args, { stdio: 'inherit', env });
  if (result.status !== 0) {
    console.error(`apt-get ${args[0]} failed; run \`${command}\` yourself and try again.`);
    process.exit(result.status ?? 1);
  }
}
