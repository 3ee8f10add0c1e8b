import type { Page } from '@playwright/test';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { expect, screenshotPath, test } from '../fixtures.js';
import { PROVISION_STEPS } from '@flotilla/electron/common/node-action-steps';
import { findFreePortRange } from '@flotilla/server-node/net/free-port';
import { REPO } from '../support/repo-paths.js';
import { startSshdHost, type SshdHost } from '../support/sshd-host.js';
import { stopSupervisor } from '@flotilla/electron/test-support/provisioning/remote-host';

// An admin grows the cluster by one node from the console: adds a host over SSH, compares and trusts
// its key, provisions a node there, watches every step stream, and sees the node join live.

const shot = (page: Page, name: string) =>
  page.screenshot({ path: screenshotPath(name), animations: 'disabled' });

const ADDRESS = '127.0.0.2';
const OTHER_ADDRESS = '127.0.0.3';
const NODE = 'node-e2e-1';

// A control that never shows fails the step in seconds, not at the journey's overall timeout.
test.use({ actionTimeout: 30_000 });

let sshd: SshdHost | null = null;
let other: SshdHost | null = null;
let installRoot = '';

test.beforeAll(() => {
  // What the console uploads: `npm run bundle:server` builds it (the web host reads dist-bundles).
  const bundles = path.join(REPO, 'dist-bundles');
  expect(
    readdirSafe(bundles).some((file) => /^flotilla-node-.+-linux-x64\.tar\.gz$/.test(file)),
    `no server bundle in ${bundles}: run npm run bundle:server`,
  ).toBe(true);
});

test.afterAll(async () => {
  // Whatever the journey reached: the node's supervisor and the sshd go.
  if (installRoot) await stopSupervisor(installRoot);
  await sshd?.stop();
  await other?.stop();
});

test('an admin adds a host, trusts its key, provisions a node (a failure, then a re-run) and sees it join live', async ({
  page,
  consoleUrl,
  sandbox,
  shell,
  clusters,
  hosts,
  nodes,
  workDir,
}) => {
  test.setTimeout(420_000);
  sshd = await startSshdHost(ADDRESS);
  installRoot = path.join(workDir, 'hosts', NODE);
  const nodePort = await findFreePortRange(1);
  const masterKey = (
    JSON.parse(readFileSync(path.join(sandbox.dir, 'node-1', 'flotilla.json'), 'utf8')) as {
      masterKey: string;
    }
  ).masterKey;

  await shell.open(consoleUrl);

  await test.step('the cluster is added (its own entry, so its inventory starts empty)', async () => {
    await shell.go('Clusters');
    await clusters.fill('Provisioning target', sandbox.balancerUrl, sandbox.apiKey);
    await clusters.save();
    await expect(clusters.dialog).toBeHidden();
    await expect(clusters.row('Provisioning target')).toContainText('active');
  });

  await test.step('the Hosts view asks once for the database URL and master key', async () => {
    await hosts.open();
    await expect(page.getByTestId('provisioning-settings-missing')).toBeVisible();
    await shot(page, '30-hosts-empty');
    await hosts.enterProvisioningSettings(sandbox.dbUrl, masterKey);
    await expect(page.getByTestId('provisioning-settings-missing')).toBeHidden();
  });

  await test.step('a host that presents another key than the one confirmed is refused with a warning', async () => {
    other = await startSshdHost(OTHER_ADDRESS);
    const presented = await hosts.probe({
      address: OTHER_ADDRESS,
      sshPort: other.port,
      username: 'root',
      privateKey: other.clientPrivateKey,
    });
    await expect(presented).toHaveText(other.hostKeyFingerprint);
    // Between the probe and "Trust", another machine answers on that address and port.
    const { port } = other;
    await other.stop();
    other = await startSshdHost(OTHER_ADDRESS, port);
    await hosts.addDialog.getByRole('button', { name: 'Trust this key and add' }).click();
    await expect(
      hosts.addDialog.getByText(/^Warning: .* now presents the key .* Nothing was saved/),
    ).toBeVisible();
    await shot(page, '31-host-key-changed');
    await hosts.addDialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(hosts.row(OTHER_ADDRESS)).toHaveCount(0);
  });

  await test.step('adding a host shows the key it presents; it is the host’s real one', async () => {
    const presented = await hosts.probe({
      address: ADDRESS,
      sshPort: sshd!.port,
      username: 'root',
      privateKey: sshd!.clientPrivateKey,
    });
    await expect(presented).toHaveText(sshd!.hostKeyFingerprint);
    // Nothing is saved before the admin trusts it.
    await expect(hosts.row(ADDRESS)).toHaveCount(0);
    await shot(page, '32-host-key-fingerprint');
    await hosts.trust();
    const row = hosts.row(ADDRESS);
    await expect(row.getByTestId('pinned-fingerprint')).toHaveText(sshd!.hostKeyFingerprint);
    await expect(row).toContainText(/Linux|Debian|Ubuntu/);
    await expect(row).toContainText('private key');
    await shot(page, '33-host-added');
  });

  await test.step('a failing preflight shows the step, the reason and the fix', async () => {
    // Something else holds the node's port on the host.
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(nodePort, ADDRESS, resolve));
    await hosts.provision(ADDRESS, {
      name: NODE,
      listenHost: ADDRESS,
      port: nodePort,
      publicUrl: `http://${ADDRESS}:${nodePort}`,
      installRoot,
    });
    await expect(hosts.actionState).toHaveAttribute('data-state', 'failed', { timeout: 60_000 });
    await expect(hosts.failure).toContainText('Failed at "preflight"');
    await expect(hosts.failure).toContainText(`${ADDRESS}:${nodePort} is in use`);
    await expect(hosts.failure).toContainText(`Fix: Stop what listens on port ${nodePort} on the host`);
    await expect(hosts.checkLines.filter({ hasText: /^FAIL port/ })).toHaveCount(1);
    await expect(hosts.step('upload')).toHaveCount(0);
    await shot(page, '34-provision-failed');
    await new Promise((resolve) => squatter.close(resolve));
  });

  await test.step('run again, it streams every step: preflight checks, upload progress, start', async () => {
    await hosts.failure.getByRole('button', { name: 'Run again' }).click();
    await expect(hosts.actionState).toHaveAttribute('data-state', 'running');
    await expect(hosts.step('preflight')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
    await expect(hosts.checkLines.filter({ hasText: /^PASS database/ })).toHaveCount(1);
    await expect(hosts.checkLines.filter({ hasText: /^FAIL/ })).toHaveCount(0);
    await expect(hosts.uploadProgress).toBeVisible({ timeout: 30_000 });
    await shot(page, '35-provision-streaming');
  });

  await test.step('the node appears on the Nodes view as running, pushed live', async () => {
    await shell.go('Nodes');
    await expect(nodes.row(NODE)).toHaveAttribute('data-state', 'running', { timeout: 180_000 });
    await shot(page, '36-node-joined');
  });

  await test.step('the action ends done with every step done, and the host shows its node', async () => {
    await hosts.open();
    await expect(hosts.actionState).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
    for (const step of PROVISION_STEPS)
      await expect(hosts.step(step), step).toHaveAttribute('data-status', 'done');
    await expect(hosts.uploadProgress).toHaveAttribute('data-percent', '100');
    await expect(hosts.row(ADDRESS).getByTestId('host-node')).toHaveAttribute('data-state', 'provisioned');
    await shot(page, '37-provision-done');
    await page.getByRole('button', { name: /dark theme/ }).click();
    await shot(page, '37-provision-done-dark');
  });

  await test.step('a graceful restart from the Nodes view drains it, restarts it and brings it back', async () => {
    await shell.go('Nodes');
    await nodes.openActions(NODE);
    await page.getByRole('menuitem', { name: 'Graceful restart…' }).click();
    await page.getByRole('button', { name: 'Restart gracefully' }).click();
    await expect(shell.toast(`Restart ${NODE} on ${ADDRESS} started`)).toBeVisible();
    await hosts.open();
    await expect(hosts.actionState).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
    for (const step of ['drain', 'idle', 'restart', 'back', 'undrain'])
      await expect(hosts.step(step), step).toHaveAttribute('data-status', 'done');
    await shot(page, '38-node-restarted');
    await shell.go('Nodes');
    await expect(nodes.row(NODE)).toHaveAttribute('data-state', 'running');
    await hosts.open();
  });

  await test.step('a rolling restart waits for the healthy floor, then restarts the node gracefully', async () => {
    await page.getByRole('button', { name: 'Rolling restart / upgrade' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rolling restart' });
    // The sandbox's node-1 and node-2 serve besides it: a floor of 2 holds.
    await dialog.getByRole('spinbutton', { name: /Keep at least N healthy/ }).fill('2');
    await dialog.getByRole('button', { name: 'Restart one by one' }).click();
    await expect(dialog).toBeHidden();
    await expect(hosts.actionState).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
    for (const step of ['floor', 'drain', 'restart', 'back', 'undrain', 'ready'])
      await expect(hosts.step(step), step).toHaveAttribute('data-status', 'done');
    await shot(page, '38b-rolling-restart');
  });

  await test.step('removing the node (files purged) takes it out of the cluster again', async () => {
    await hosts.rowAction(ADDRESS, 'Remove node…');
    const dialog = page.getByRole('dialog', { name: new RegExp(`Remove ${NODE} from`) });
    await dialog.getByRole('checkbox', { name: /Purge files/ }).check();
    await dialog.getByRole('button', { name: 'Remove node' }).click();
    await expect(dialog).toBeHidden();
    await expect(hosts.actionState).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
    await expect(hosts.row(ADDRESS).getByTestId('host-node')).toHaveText('none');
    await shot(page, '39-node-removed');
    await shell.go('Nodes');
    await expect(nodes.row(NODE)).toHaveCount(0, { timeout: 15_000 });
  });
});

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
