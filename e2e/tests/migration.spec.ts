import type { Page } from '@playwright/test';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, screenshotPath, test } from '../fixtures.js';
import { findFreePort } from '@flotilla/server-node/net/free-port';
import { stopSupervisor } from '@flotilla/electron/test-support/provisioning/remote-host';
import { startJsonProcess, type Started } from '../support/child-process.js';
import { seriousAxeFindings } from '../support/axe-scan.js';
import { RESULTS_DIR, WEB_HOST_MAIN } from '../support/repo-paths.js';
import { startSshdHost, type SshdHost } from '../support/sshd-host.js';

// A new user walks the whole HA migration on one machine: "Start a local standalone server" (a node
// with its embedded PostgreSQL), some work on it, then the wizard onto a second PostgreSQL (Debian's
// when FLOTILLA_TEST_DB_URL is set, as in CI; else an embedded one the console starts) and a shared
// folder, with two more nodes on sshd test hosts and the built-in balancer, to the end. A reload in the
// middle of the pre-copy shows the resume banner. The console is its own (a fresh config folder), so
// it starts on the no-cluster screen.

const run = promisify(execFile);
const shot = (page: Page, name: string) =>
  page.screenshot({ path: screenshotPath(name), animations: 'disabled' });

test.use({ actionTimeout: 30_000 });

const HOSTS = ['127.0.0.6', '127.0.0.7'];
const sshds: SshdHost[] = [];
let console_: Started<{ url: string }> | null = null;
let consoleHome = '';
const installRoots: string[] = [];
let dropTarget: (() => Promise<void>) | null = null;
/** The target's password: it must never show on screen or in the commands. */
let targetPassword = '';

test.beforeAll(async ({ workDir }) => {
  consoleHome = path.join(workDir, 'migration-console');
  mkdirSync(consoleHome, { recursive: true });
  // As root the standalone's embedded PostgreSQL runs as user postgres, which must enter its folders.
  chmodSync(consoleHome, 0o755);
  console_ = await startJsonProcess<{ url: string }>(
    [WEB_HOST_MAIN, '--no-open', '--json', '--sandbox-dir', path.join(workDir, 'migration-sandbox')],
    {
      env: { FLOTILLA_CONSOLE_HOME: consoleHome },
      logFile: path.join(RESULTS_DIR, 'migration-web-host.log'),
    },
  );
  for (const address of HOSTS) sshds.push(await startSshdHost(address));
});

test.afterAll(async () => {
  // Everything the journey started, by pid: nodes on the "hosts", the console, the standalone, its
  // balancer and the embedded target (those outlive the console, as servers do).
  for (const root of installRoots) await stopSupervisor(root);
  await console_?.stop();
  const standalone = path.join(consoleHome, 'standalone', 'home');
  for (const file of [
    path.join(standalone, 'balancer.pid'),
    path.join(standalone, 'node.pid'),
    ...(await targetPidFiles()),
  ]) {
    const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (pid > 0) await stopPid(pid);
  }
  for (const sshd of sshds) await sshd.stop();
  await dropTarget?.();
});

test('from a local standalone server to three nodes behind a balancer, with a reload in the middle of the pre-copy', async ({
  page,
  shell,
  hosts,
  migration,
  workDir,
}) => {
  test.setTimeout(360_000);
  await shell.open(console_!.info.url);

  const home = path.join(consoleHome, 'standalone', 'home');
  await test.step('the no-cluster screen offers a local standalone server; it starts and the wizard opens', async () => {
    await expect(page.getByRole('button', { name: 'Start a local standalone server' })).toBeVisible();
    await shot(page, '50-no-cluster-standalone');
    await page.getByRole('button', { name: 'Start a local standalone server' }).click();
    await expect(migration.step('source')).toBeVisible({ timeout: 90_000 });
    await expect(page.getByRole('tab', { name: 'Move to HA' })).toBeVisible();
  });

  await test.step('the standalone does some work: tasks with logs and a package in its feed', async () => {
    const url = (JSON.parse(readFileSync(path.join(home, 'flotilla.json'), 'utf8')) as { publicUrl: string })
      .publicUrl;
    const apiKey = readFileSync(path.join(consoleHome, 'standalone', 'api-key'), 'utf8').trim();
    await seed(url, apiKey, workDir);
  });

  await test.step('source: the version, the sizes of database and files, the running tasks', async () => {
    await migration.press('source', 'Detect the source');
    await expect(page.getByTestId('source-version')).toHaveText('0.1.0', { timeout: 30_000 });
    await expect(page.getByTestId('source-database')).toContainText(/embedded PostgreSQL, [\d.]+ MB/);
    await expect(page.getByTestId('source-files')).toContainText(/[\d.]+ [KM]B/);
    await expect(page.getByTestId('source-tasks')).toContainText('running');
    expect(await migration.commandsOf('source')).toContain(`migrate status --home ${home}`);
    await shot(page, '51-migration-source');
    await migration.press('source', 'Next: Target database');
    await expect(migration.step('target')).toBeVisible();
  });

  await test.step('two hosts join the inventory (their keys compared and trusted)', async () => {
    await hosts.open();
    for (const sshd of sshds) {
      const presented = await hosts.probe({
        address: sshd.address,
        sshPort: sshd.port,
        username: 'root',
        privateKey: sshd.clientPrivateKey,
      });
      await expect(presented).toHaveText(sshd.hostKeyFingerprint);
      await hosts.trust();
    }
    await migration.open();
    await expect(migration.step('target')).toBeVisible();
  });

  await test.step('target database: hostile input is refused, then a second PostgreSQL is the target', async () => {
    await migration.fill('target', 'Target PostgreSQL URL', "postgres://u:p@db'host:5432/x");
    await migration.press('target', 'Use this database');
    await expect(shell.toast(/quote or a space/)).toBeVisible();
    const external = process.env.FLOTILLA_TEST_DB_URL;
    if (external) {
      const created = await createDatabase(external);
      dropTarget = created.drop;
      targetPassword = new URL(created.url).password;
      await migration.fill('target', 'Target PostgreSQL URL', created.url);
      await migration.press('target', 'Use this database');
    } else {
      await migration.press('target', 'Start an embedded PostgreSQL on this machine');
    }
    await expect(migration.step('shared')).toBeVisible({ timeout: 90_000 });
    await migration.stepperItem('target').click();
    await expect(page.getByTestId('migration-target')).toContainText('*****');
    if (!external) targetPassword = await embeddedTargetPassword();
    expect(targetPassword).not.toBe('');
    await expect(page.locator('body')).not.toContainText(targetPassword);
    await shot(page, '52-migration-target');
    await migration.stepperItem('shared').click();
  });

  const shared = path.join(workDir, 'migration-share');
  await test.step('shared folder: a path with .. is refused, the real one is taken', async () => {
    mkdirSync(shared, { recursive: true });
    // The new nodes run as the service user: the share is theirs to write.
    chmodSync(shared, 0o777);
    await migration.fill('shared', /Shared folder/, `${workDir}/../etc`);
    await migration.press('shared', 'Use this folder');
    await expect(shell.toast(/holds '\.\.'/)).toBeVisible();
    await migration.fill('shared', /Shared folder/, shared);
    await migration.press('shared', 'Use this folder');
    await expect(migration.step('nodes')).toBeVisible();
  });

  await test.step('nodes: two hosts from the Hosts view, a node on each', async () => {
    for (const [at, sshd] of sshds.entries()) {
      const port = await findFreePort(0, sshd.address);
      const installRoot = path.join(workDir, 'migration-hosts', `node-${at + 2}`);
      installRoots.push(installRoot);
      await migration.planNode(sshd.address, {
        name: `node-${at + 2}`,
        listenHost: sshd.address,
        port,
        publicUrl: `http://${sshd.address}:${port}`,
        installRoot,
      });
    }
    await expect(page.getByTestId('migration-node-count')).toContainText('3 node(s)');
    await shot(page, '53-migration-nodes');
    await migration.press('nodes', 'Use these nodes');
  });

  await test.step('balancer: the built-in one on this machine', async () => {
    await migration.fill('balancer', 'Balancer listen address', '127.0.0.1');
    await migration.fill('balancer', 'Balancer port', String(await findFreePort(0)));
    await migration.press('balancer', 'Use this balancer');
    await expect(migration.step('preflight')).toBeVisible();
  });

  await test.step('preflight: every check passes, on the source and on both node hosts (the nonce read back)', async () => {
    await migration.press('preflight', 'Run the preflight');
    await expect(migration.step('preflight').getByRole('button', { name: 'Next: Pre-copy' })).toBeVisible({
      timeout: 60_000,
    });
    await expect(migration.checks('preflight').and(page.locator('[data-status="fail"]'))).toHaveCount(0);
    for (const address of HOSTS) {
      const peer = page.locator(`[data-testid="migration-peer"][data-address="${address}"]`);
      await expect(peer).toHaveAttribute('data-ok', 'true');
      await expect(peer.locator('[data-id="shared.same-folder"]')).toHaveAttribute('data-status', 'pass');
    }
    const commands = await migration.commandsOf('preflight');
    expect(commands).toContain('read -rs FLOTILLA_TARGET_DB_URL');
    expect(commands).toMatch(/N=[0-9a-f]{32}/);
    expect(commands).not.toContain(targetPassword);
    await shot(page, '54-migration-preflight');
    expect(await seriousAxeFindings(page), 'the wizard with its check lists').toEqual([]);
    await migration.press('preflight', 'Next: Pre-copy');
  });

  await test.step('pre-copy: a reload in the middle of it shows the resume banner', async () => {
    await migration.press('precopy', 'Start the pre-copy');
    // Held in the middle: the engine's lock names its pid; it is stopped until the page came back.
    const pid = await lockedBy(home, 'precopy');
    process.kill(pid, 'SIGSTOP');
    try {
      await page.reload();
      await expect(migration.banner).toContainText('stands at Pre-copy (running)');
      await shot(page, '55-migration-resume-banner');
      expect(await seriousAxeFindings(page), 'the resume banner').toEqual([]);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await migration.banner.getByRole('button', { name: 'Resume' }).click();
    await expect(page.getByTestId('precopy-files')).toBeVisible({ timeout: 60_000 });
    await shot(page, '56-migration-precopy');
    await migration.press('precopy', 'Next: Rehearsal');
  });

  await test.step('rehearsal: the predicted window, stated again by the confirm', async () => {
    await expect(page.getByTestId('predicted-window')).toContainText(/Predicted window: [\d.]+ s/);
    const predicted = (await page.getByTestId('predicted-window').innerText()).replace(
      'Predicted window: ',
      '',
    );
    await shot(page, '57-migration-rehearsal');
    await migration.press('rehearsal', 'Start the switch-over');
    const confirm = page.getByRole('dialog', { name: 'Start the switch-over?' });
    await expect(confirm.getByTestId('switch-window')).toContainText(`about ${predicted}`);
    await shot(page, '58-migration-switch-confirm');
    await confirm.getByRole('button', { name: 'Start the switch-over' }).click();
  });

  await test.step('switch-over: live progress, then the measured window', async () => {
    await expect(migration.step('switch')).toBeVisible();
    await expect(page.getByTestId('measured-window')).toBeVisible({ timeout: 90_000 });
    await expect(page.getByTestId('measured-window')).toContainText(/Window: [\d.]+ s \(predicted/);
    await shot(page, '59-migration-switch');
    await migration.press('switch', 'Next: Verification');
  });

  await test.step('verification: every table, file and package checks out', async () => {
    await migration.press('verify', 'Run the verification');
    await expect(page.getByTestId('verify-summary')).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('verify-summary')).toHaveText(/^(\d+) of \1 checks pass/);
    await shot(page, '60-migration-verify');
    await migration.press('verify', 'Next: New nodes');
  });

  await test.step('new nodes: the balancer starts, both nodes are provisioned and put into rotation', async () => {
    await expect(migration.step('provision')).toBeVisible();
    await migration.press('provision', /Start the balancer and provision 2 node/);
    const states = migration.step('provision').getByTestId('action-state');
    await expect(states).toHaveCount(2, { timeout: 60_000 });
    await shot(page, '61-migration-provisioning');
    await expect(migration.step('provision').getByRole('button', { name: 'Next: Smoke test' })).toBeVisible({
      timeout: 240_000,
    });
    for (const state of await states.all()) await expect(state).toHaveAttribute('data-state', 'done');
    await expect(page.getByTestId('cluster-url')).toContainText('http://127.0.0.1:');
    await shot(page, '62-migration-provisioned');
    await migration.press('provision', 'Next: Smoke test');
  });

  await test.step('smoke test through the balancer: a task on every node, an old log through every node, a package', async () => {
    await migration.press('smoke', 'Run the smoke test');
    await expect(page.getByTestId('smoke-result')).toHaveAttribute('data-ok', 'true', { timeout: 120_000 });
    for (const id of ['smoke.tasks', 'smoke.old-log', 'smoke.package'])
      await expect(migration.checks('smoke').and(page.locator(`[data-id="${id}"]`))).toHaveAttribute(
        'data-status',
        'pass',
      );
    await expect(migration.checks('smoke').and(page.locator('[data-id="smoke.tasks"]'))).toContainText(
      '3 node(s)',
    );
    await shot(page, '63-migration-smoke');
    await migration.press('smoke', 'Next: Finalize');
  });

  await test.step('finalize: the embedded database is archived, the banner goes', async () => {
    await expect(migration.step('finish')).toBeVisible();
    await migration.press('finish', 'Finalize');
    await page
      .getByRole('dialog', { name: 'Finalize the migration?' })
      .getByRole('button', { name: 'Finalize' })
      .click();
    await expect(page.getByTestId('migration-finalized')).toBeVisible({ timeout: 60_000 });
    await shot(page, '64-migration-finalized');
    await shell.go('Nodes');
    await expect(migration.banner).toHaveCount(0);
    await expect(page.locator('[data-testid="node-row"][data-state="running"]')).toHaveCount(3);
    await shot(page, '65-migration-nodes-after');
  });
});

/** Script tasks (their logs) and a package of a few MB, through the standalone's own API. */
async function seed(url: string, apiKey: string, workDir: string): Promise<void> {
  const auth = { authorization: `Bearer ${apiKey}` };
  const ids: string[] = [];
  for (let i = 1; i <= 3; i++) {
    const response = await fetch(`${url}/api/tasks`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        kind: 'script',
        args: { script: `for i in 1 2 3; do echo "old task ${i} line $i"; done` },
      }),
    });
    expect(response.status).toBe(201);
    ids.push(((await response.json()) as { id: string }).id);
  }
  const dir = path.join(workDir, 'migration-package');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'blob.bin'), randomBytes(6 * 1024 * 1024));
  await run('tar', ['-czf', path.join(workDir, 'shop-1.0.0.tar.gz'), '-C', dir, '.']);
  const upload = await fetch(`${url}/api/packages/shop/1.0.0`, {
    method: 'PUT',
    headers: { ...auth, 'content-type': 'application/gzip' },
    body: readFileSync(path.join(workDir, 'shop-1.0.0.tar.gz')),
  });
  expect(upload.status).toBe(201);
  await expect
    .poll(
      async () => {
        const tasks = (await (await fetch(`${url}/api/tasks?limit=50`, { headers: auth })).json()) as {
          id: string;
          state: string;
        }[];
        return tasks.filter((task) => ids.includes(task.id) && task.state === 'succeeded').length;
      },
      { timeout: 30_000 },
    )
    .toBe(3);
}

/** The pid of the engine command holding the migration lock of `home` for `command`. */
async function lockedBy(home: string, command: string): Promise<number> {
  const file = path.join(home, 'migration', 'lock');
  let pid = 0;
  await expect
    .poll(
      async () => {
        // Read as text: the file may be caught half-written.
        const text = await readFile(file, 'utf8').catch(() => '');
        const holder = /"command":\s*"([a-z]+)"/.exec(text)?.[1];
        pid = holder === command ? Number(/"pid":\s*(\d+)/.exec(text)?.[1] ?? 0) : 0;
        return pid;
      },
      { timeout: 30_000, intervals: [10] },
    )
    .toBeGreaterThan(0);
  return pid;
}

/** A fresh database on the suite's PostgreSQL (psql, which comes with it; the password in its environment). */
async function createDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `flotilla_e2e_${randomBytes(5).toString('hex')}`;
  const admin = new URL(adminUrl);
  const env = {
    ...process.env,
    PGHOST: admin.hostname,
    PGPORT: admin.port || '5432',
    PGUSER: decodeURIComponent(admin.username),
    PGPASSWORD: decodeURIComponent(admin.password),
    PGDATABASE: admin.pathname.slice(1) || 'postgres',
  };
  await run('psql', ['-qc', `create database ${name}`], { env });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await run('psql', ['-qc', `drop database if exists ${name} with (force)`], { env });
    },
  };
}

/** The password of the embedded target the console started (its settings, 0600, beside its data). */
async function embeddedTargetPassword(): Promise<string> {
  const [pidFile] = await targetPidFiles();
  const state = JSON.parse(await readFile(path.join(path.dirname(pidFile!), 'postgres.json'), 'utf8')) as {
    password: string;
  };
  return encodeURIComponent(state.password);
}

/** The embedded target's pid file, if the console started one (under its config folder). */
async function targetPidFiles(): Promise<string[]> {
  const migrations = path.join(consoleHome, 'migrations');
  const clusters = await readdir(migrations).catch(() => [] as string[]);
  return clusters.map((id) => path.join(migrations, id, 'target', 'postgres.pid'));
}

async function stopPid(pid: number): Promise<void> {
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 300 && alive(); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  if (alive()) process.kill(pid, 'SIGKILL');
}
