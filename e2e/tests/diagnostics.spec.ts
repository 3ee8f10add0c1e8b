import { execFile, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { nodePath } from '@flotilla/server-node/api';
import { findFreePort } from '@flotilla/server-node/net/free-port';
import { spawnNode, stopProcess, waitForNode } from '@flotilla/server-node/sandbox/node-process';
import { expect, screenshotPath, test } from '../fixtures.js';
import { RESULTS_DIR, SERVER_NODE_CLI } from '../support/repo-paths.js';

const run = promisify(execFile);

// The node this journey starts is stopped after it, whatever happened.
let apart: ChildProcess | null = null;
test.afterEach(async () => {
  if (apart) await stopProcess(apart);
  apart = null;
});

// A host whose share is not mounted where the others' is: node-apart joins the sandbox in a mount
// namespace of its own (root only), where a local folder holding a copy of the sentinel sits at the
// cluster's shared path. It starts and serves; only the cluster check can tell it writes elsewhere.
test('Diagnostics names the node that writes to a different folder, with the fix', async ({
  page,
  consoleUrl,
  sandbox,
  shell,
  clusters,
  diagnostics,
  nodes,
}) => {
  const name = 'node-apart';
  const home = path.join(sandbox.dir, name);
  const folder = path.join(sandbox.dir, 'local-folder');
  mkdirSync(folder, { recursive: true });
  copyFileSync(path.join(sandbox.sharedDir, '.flotilla-cluster'), path.join(folder, '.flotilla-cluster'));
  const { masterKey } = JSON.parse(
    readFileSync(path.join(sandbox.dir, 'node-1', 'flotilla.json'), 'utf8'),
  ) as {
    masterKey: string;
  };
  const port = await findFreePort(0);
  await run(process.execPath, [
    SERVER_NODE_CLI,
    'init',
    '--home',
    home,
    '--db',
    sandbox.dbUrl,
    '--name',
    name,
    '--listen',
    `127.0.0.1:${port}`,
    '--master-key',
    masterKey,
  ]);
  const logFile = path.join(RESULTS_DIR, `${name}.log`);
  const child = spawnNode(home, logFile, {}, undefined, { sharedDir: sandbox.sharedDir, folder });
  apart = child;
  await waitForNode(`http://127.0.0.1:${port}`, child, logFile);

  await test.step('the console connects to the cluster', async () => {
    await shell.open(consoleUrl);
    await shell.go('Clusters');
    await clusters.fill('Diagnostics target', sandbox.balancerUrl, sandbox.apiKey);
    await clusters.save();
    await expect(clusters.dialog).toBeHidden();
  });

  await test.step('the Overview counts the findings', async () => {
    await shell.go('Overview');
    await expect(diagnostics.overviewCount).toBeVisible({ timeout: 20_000 });
  });

  await test.step('Diagnostics shows the finding with its fix', async () => {
    await shell.go('Diagnostics');
    const row = diagnostics.finding('shared-folder');
    await expect(async () => {
      await diagnostics.checkAgain.click();
      await expect(row).toContainText(name, { timeout: 3000 });
    }).toPass({ timeout: 20_000 });
    await expect(row).toContainText('writing to a different folder than the others');
    await expect(row).toContainText(`Mount the share at ${sandbox.sharedDir} on ${name}, then restart it.`);
    await expect(row).toContainText('error');
    await page.screenshot({ path: screenshotPath('60-diagnostics'), animations: 'disabled' });
  });

  await test.step('the support bundle downloads as a zip with every node in it', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), diagnostics.downloadBundle.click()]);
    expect(download.suggestedFilename()).toMatch(/^flotilla-support-Diagnostics-target-.*\.zip$/);
    const zip = readFileSync(await download.path());
    expect(zip.subarray(0, 2).toString()).toBe('PK');
    // Entry names are stored as they are in a zip's directory.
    for (const entry of [
      'diagnostics.json',
      'balancer.json',
      `nodes/${name}/node.log`,
      'nodes/node-1/flotilla.json',
    ])
      expect(zip.includes(entry), entry).toBe(true);
  });

  await test.step("the Nodes view shows the node's own log live, filtered by level and searched", async () => {
    await shell.go('Nodes');
    const log = await nodes.showLog(name);
    await expect(log).toContainText('node started');
    // Something for it to say: its folder loses the sentinel, then gets it back.
    const sentinel = path.join(folder, '.flotilla-cluster');
    renameSync(sentinel, `${sentinel}.away`);
    await expect(log).toContainText('shared storage unusable', { timeout: 10_000 });
    renameSync(`${sentinel}.away`, sentinel);
    await expect(log).toContainText('shared storage usable again', { timeout: 10_000 });
    await nodes.filterLog('Errors');
    await expect(log).not.toContainText('node started');
    await expect(log).toContainText('shared storage unusable');
    await nodes.filterLog('All levels');
    await page.getByRole('textbox', { name: 'Search the log' }).fill('usable again');
    await expect(log.locator('div[data-level]')).toHaveCount(1);
    await page.screenshot({ path: screenshotPath('61-node-log'), animations: 'disabled' });
    await page.getByRole('button', { name: 'Close' }).click();
  });

  await test.step('once the node is gone, the finding goes', async () => {
    await stopProcess(child);
    const removed = await fetch(`${sandbox.balancerUrl}${nodePath(name)}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${sandbox.apiKey}` },
    });
    expect(removed.status).toBe(204);
    await shell.go('Diagnostics');
    await diagnostics.checkAgain.click();
    await expect(diagnostics.finding('shared-folder')).toHaveCount(0);
  });
});
