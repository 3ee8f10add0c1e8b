/* global process, console */
// `npm run check:msi-wine`: installs the Windows MSI silently under Debian's wine and reports, step by
// step, what wine can and cannot run. Not part of `npm test` (wine is ~100 MB and cannot run the service,
// see below); needs `apt-get install --no-install-recommends wine wine64` and `npm run build`.
//
// Found with wine 8.0 (Debian bookworm):
//   - msiexec /i … /qn runs the whole sequence, but StartServices fails: the service is WinSW 1.17, a .NET
//     Framework program, and wine has no .NET (wine-mono is not in Debian), so the install rolls back.
//   - Without the start (ServiceControl Event 163 → 162), the install succeeds: files in Program Files\Flotilla
//     Node\<v>, the service registered with its account and REG_MULTI_SZ environment, the home folder.
//   - node.exe --version works (after `winecfg /v win10`: Node 24 refuses Windows 7, wine's default), but no
//     JavaScript runs: V8 stops with "Fatal process out of memory: SegmentedTable::InitializeTable (subspace
//     allocation)" (wine does not give V8 the reserved address space it asks for). So neither the server
//     (--help) nor the MSI's deferred init can run under this wine.
//   - Uninstall (msiexec /x) keeps the node home.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../', import.meta.url));
const { version } = JSON.parse(readFileSync(path.join(repo, 'server-node', 'package.json'), 'utf8'));

if (!existsSync('/usr/bin/wine')) {
  console.error('check:msi-wine needs wine: apt-get install -y --no-install-recommends wine wine64');
  process.exit(1);
}
const dir = mkdtempSync(path.join(tmpdir(), 'flotilla-msi-wine-'));
const env = {
  ...process.env,
  WINEPREFIX: path.join(dir, 'prefix'),
  WINEDEBUG: '-all',
  // No downloads of wine-mono / wine-gecko (there is no network for them).
  WINEDLLOVERRIDES: 'mscoree,mshtml=',
};
const results = [];
/**
 * Runs one step, records its outcome (exit code and the output's last lines), never throws. wine exits 0
 * even when the program crashed, so a step may name the text its output must hold (`expect`).
 */
async function step(name, file, args, { expect, ...options } = {}) {
  const started = Date.now();
  const outcome = await run(file, args, {
    env,
    timeout: 180_000,
    maxBuffer: 64 * 1024 ** 2,
    ...options,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, output: `${stdout}${stderr}` }),
    (error) => ({ code: error.code ?? 'killed', output: `${error.stdout ?? ''}${error.stderr ?? ''}` }),
  );
  const tail = outcome.output.trim().split('\n').filter(Boolean).slice(-3).join(' | ');
  const ok = outcome.code === 0 && (!expect || outcome.output.includes(expect));
  results.push({ step: name, ok, exit: outcome.code, ms: Date.now() - started, output: tail });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name} (exit ${outcome.code}): ${tail}`);
  return outcome;
}
const driveC = (...parts) => path.join(env.WINEPREFIX, 'drive_c', ...parts);

try {
  const out = path.join(dir, 'out');
  await step('build the MSI', process.execPath, [
    path.join(repo, 'electron', 'scripts', 'bundle-server.mjs'),
    '--out',
    out,
    '--platform',
    'win-x64',
  ]);
  const msi = path.join(out, `flotilla-node-${version}-win-x64.msi`);
  await step('wineboot', 'wineboot', ['-i']);
  await step('winecfg /v win10', 'wine', ['winecfg', '/v', 'win10']);
  const winPath = (file) => `Z:${file.replaceAll('/', '\\')}`;

  await step('msiexec /i /qn (as built)', 'wine', [
    'msiexec',
    '/i',
    winPath(msi),
    '/qn',
    '/l*v',
    winPath(path.join(dir, 'install.log')),
  ]);
  const installed = driveC('Program Files', 'Flotilla Node', version);
  console.log(`     installed files after it: ${existsSync(installed) ? 'present' : 'none (rolled back)'}`);

  const noStart = path.join(dir, 'no-start.msi');
  cpSync(msi, noStart);
  await step('the MSI without starting the service', 'msibuild', [
    noStart,
    '-q',
    'UPDATE `ServiceControl` SET `Event` = 162',
  ]);
  await step('msiexec /i /qn (no service start)', 'wine', [
    'msiexec',
    '/i',
    winPath(noStart),
    '/qn',
    '/l*v',
    winPath(path.join(dir, 'install-no-start.log')),
  ]);
  for (const file of [
    'node/node.exe',
    'server/flotilla-node.mjs',
    'service/flotilla-node.exe',
    'service/flotilla-node.xml',
  ])
    console.log(`     ${file}: ${existsSync(path.join(installed, file)) ? 'installed' : 'MISSING'}`);
  await step('the service in the registry', 'wine', [
    'reg',
    'query',
    'HKLM\\SYSTEM\\CurrentControlSet\\Services\\flotilla-node',
  ]);
  await step('installed node.exe --version', 'wine', [path.join(installed, 'node', 'node.exe'), '--version']);
  await step(
    'installed server --help',
    'wine',
    [path.join(installed, 'node', 'node.exe'), path.join(installed, 'server', 'flotilla-node.mjs'), '--help'],
    { expect: 'Usage: flotilla-node' },
  );
  await step('installed flotilla-node.exe (WinSW) status', 'wine', [
    path.join(installed, 'service', 'flotilla-node.exe'),
    'status',
  ]);
  await step('msiexec /x /qn', 'wine', ['msiexec', '/x', winPath(noStart), '/qn']);
  console.log(
    `     after uninstall: program files ${existsSync(installed) ? 'left' : 'removed'}, ` +
      `ProgramData\\Flotilla ${existsSync(driveC('ProgramData', 'Flotilla')) ? 'kept' : 'removed'}`,
  );
  console.log(JSON.stringify({ version, results }, null, 2));
} finally {
  await run('wineserver', ['-k'], { env }).catch(() => {});
  rmSync(dir, { recursive: true, force: true });
}
