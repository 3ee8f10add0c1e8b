import type { Page } from '@playwright/test';
import { expect, screenshotPath, test } from '../fixtures.js';
import { seriousAxeFindings } from '../support/axe-scan.js';

// An admin's first hour with a real cluster, in one browser session: every step depends on the one
// before (the cluster added, the node drained), as it would for a person at the console.

/** The state the cluster's own API reports for a node (the truth the UI must follow within a second). */
async function apiState(
  balancerUrl: string,
  apiKey: string,
  name: string,
  nodeUrls: string[],
): Promise<string | null> {
  for (const url of [balancerUrl, ...nodeUrls]) {
    const response = await fetch(`${url}/api/nodes`, {
      headers: { authorization: `Bearer ${apiKey}` },
    }).catch(() => null);
    if (!response?.ok) continue;
    const nodes = (await response.json()) as { name: string; state: string }[];
    return nodes.find((node) => node.name === name)?.state ?? null;
  }
  return null;
}

/** Resolves with the time the condition first held, polling every 50 ms. */
async function when(condition: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return Date.now();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: screenshotPath(name), animations: 'disabled' });

test('an admin adds the cluster, watches it live, drains a node, changes a cap and sees a killed node die', async ({
  page,
  consoleUrl,
  sandbox,
  shell,
  clusters,
  overview,
  nodes,
  tasks,
  balancer,
}) => {
  await shell.open(consoleUrl);

  await test.step('a fresh console offers to add a cluster', async () => {
    await expect(page.getByText('No cluster selected')).toBeVisible();
    await shot(page, '00-no-cluster');
  });

  await test.step('a wrong API key is refused before anything is saved', async () => {
    await shell.go('Clusters');
    await clusters.fill('Sandbox', sandbox.balancerUrl, 'flt_wrong');
    await clusters.testConnection();
    await expect(clusters.dialog.getByText(/rejected the API key/)).toBeVisible();
    await shot(page, '01-add-cluster-refused');
    await clusters.cancel();
    await expect(page.getByText('No clusters saved yet')).toBeVisible();
  });

  await test.step('the cluster is tested, saved and selected', async () => {
    await clusters.fill('Sandbox', sandbox.balancerUrl, sandbox.apiKey);
    await clusters.testConnection();
    await expect(clusters.dialog.getByText('Connected: 3 nodes')).toBeVisible();
    await clusters.save();
    await expect(clusters.dialog).toBeHidden();
    await expect(clusters.row('Sandbox')).toContainText('active');
    await expect(shell.connection).toHaveAttribute('data-state', 'connected');
    await shot(page, '02-clusters');
  });

  await test.step('three nodes are live', async () => {
    await shell.go('Overview');
    await expect(overview.nodesUp).toHaveText('3 / 3');
    await shell.go('Nodes');
    await expect(nodes.rows).toHaveCount(3);
    for (const node of sandbox.nodes)
      await expect(nodes.row(node.name)).toHaveAttribute('data-state', 'running');
    // Heartbeats keep coming: the age shown stays small while it refreshes.
    await expect(nodes.row('node-1').getByTestId('heartbeat-age')).toHaveText(/^[0-2]\.\d s ago$/);
  });

  await test.step('work spreads over the nodes', async () => {
    await sandbox.queueTasks(12, 8000);
    await expect.poll(() => nodes.runningTasks('node-1'), { timeout: 10_000 }).toBeGreaterThan(0);
    await shell.go('Overview');
    await expect(overview.runningTasks).not.toHaveText('0');
    await shot(page, '03-overview');
    await shell.go('Nodes');
    await shot(page, '04-nodes');
  });

  await test.step('draining node-1 shows at once, and its running tasks reach zero', async () => {
    await nodes.select('node-1');
    const progress = await nodes.drainSelected();
    await expect(nodes.row('node-1')).toHaveAttribute('data-state', 'draining', { timeout: 1000 });
    await expect(progress).toBeVisible();
    await shot(page, '05-drain-progress');
    await expect(progress.getByTestId('drain-node-left')).toHaveAttribute('data-left', '0', {
      timeout: 30_000,
    });
    await expect(progress.getByText('node-1 drained')).toBeVisible();
    await progress.getByRole('button', { name: 'Done' }).click();
    await expect(nodes.runningOfCap('node-1')).toHaveText(/^0 \/ 5$/);
  });

  await test.step("node-2's task cap changes", async () => {
    await nodes.changeCap('node-2', 3);
    await expect(nodes.runningOfCap('node-2')).toHaveText(/\/ 3$/);
  });

  await test.step('tasks: distribution, list and a live log', async () => {
    await shell.go('Tasks');
    await expect(tasks.rows.first()).toBeVisible();
    await shot(page, '06-tasks');
    // A task that runs for a few seconds: its detail follows the log until the task ends.
    await sandbox.queueTasks(1, 4000);
    await expect(tasks.rows.first()).toContainText('executing');
    await tasks.openFirstTask();
    await expect(tasks.following).toBeVisible();
    await expect(tasks.log).toContainText('started');
    await shot(page, '07-task-detail');
    await expect(tasks.log).toContainText('succeeded', { timeout: 15_000 });
    await expect(tasks.following).toBeHidden();
    // Streamed then re-read whole: every line once.
    expect((await tasks.log.textContent())?.match(/started/g)).toHaveLength(1);
    await tasks.closeDetail();

    // A long list scrolls inside its card; the chart above keeps its full height.
    await sandbox.queueTasks(60, 0);
    await expect.poll(() => tasks.listedCount()).toBeGreaterThanOrEqual(60);
    expect((await tasks.chart.boundingBox())?.height).toBeGreaterThanOrEqual(240);
    const list = await tasks.listScroll.evaluate((el) => ({
      client: el.clientHeight,
      scroll: el.scrollHeight,
    }));
    expect(list.scroll).toBeGreaterThan(list.client);
    // Only the rows in sight are rendered; scrolled to the end, the oldest task's row appears.
    expect(await tasks.rows.count()).toBeLessThan(await tasks.listedCount());
    const listed = await tasks.listedCount();
    await expect
      .poll(async () => {
        await tasks.listScroll.evaluate((el) => el.scrollTo(0, el.scrollHeight));
        return tasks.rows.last().getAttribute('aria-rowindex');
      })
      .toBe(String(listed + 1));
    await shot(page, '07-tasks-long-list');
  });

  await test.step('the balancer shows each server', async () => {
    await shell.go('Load balancer');
    if (await balancer.noStats.isVisible()) {
      await expect(balancer.noStats).toContainText('No balancer stats');
    } else {
      await expect(balancer.rows).toHaveCount(3);
      await expect(balancer.row('node-1').getByTestId('check-status')).toBeVisible();
    }
    await shot(page, '08-balancer');
  });

  await test.step('a SIGKILLed node turns offline, then dead, within the thresholds; the page keeps working', async () => {
    await shell.go('Nodes');
    const victim = sandbox.nodes.find((node) => node.name === 'node-3')!;
    const nodeUrls = sandbox.nodes.filter((node) => node !== victim).map((node) => node.url);
    const uiState = async () => (await nodes.state('node-3')) ?? '';
    const api = () => apiState(sandbox.balancerUrl, sandbox.apiKey, 'node-3', nodeUrls);
    const killedAt = Date.now();
    process.kill(victim.pid, 'SIGKILL');
    const [apiOffline, uiOffline] = await Promise.all([
      when(async () => (await api()) !== 'running', 8000),
      when(async () => (await uiState()) !== 'running', 8000),
    ]);
    await shot(page, '09-node-offline');
    const [apiDead, uiDead] = await Promise.all([
      when(async () => (await api()) === 'dead', 10_000),
      when(async () => (await uiState()) === 'dead', 10_000),
    ]);
    // Offline after 3 s without a heartbeat, dead after 5 s (DESIGN.md), plus the heartbeat interval.
    expect(uiOffline - killedAt).toBeLessThan(5000);
    expect(uiDead - killedAt).toBeLessThan(7000);
    // Pushed, not polled: the UI follows the cluster's own answer within a second.
    expect(uiOffline - apiOffline).toBeLessThan(1000);
    expect(uiDead - apiDead).toBeLessThan(1000);
    await expect(nodes.row('node-3').getByTestId('node-state')).toHaveText('Dead');
    await shot(page, '10-node-dead');

    // Still in control: undrain node-1 through its menu.
    await nodes.openActions('node-1');
    await page.getByRole('menuitem', { name: 'Undrain' }).click();
    await page
      .getByRole('dialog', { name: 'Undrain nodes' })
      .getByRole('button', { name: 'Undrain' })
      .click();
    await expect(nodes.row('node-1')).toHaveAttribute('data-state', 'running');
    await shell.go('Overview');
    await expect(overview.nodesUp).toHaveText('2 / 3');
    await expect(page.getByText('node-3 is now dead')).toBeVisible();
  });

  await test.step('every view passes an accessibility scan (no serious or critical axe finding)', async () => {
    // The steps' toasts gone first: one caught fading out has, mid-animation, too little contrast for axe.
    await expect(page.locator('[id^="toast-title"]')).toHaveCount(0, { timeout: 20_000 });
    for (const view of ['Overview', 'Nodes', 'Tasks', 'Load balancer', 'Hosts', 'Clusters'] as const) {
      await shell.go(view);
      await expect(page.getByRole('tab', { name: view })).toHaveAttribute('aria-selected', 'true');
      expect(await seriousAxeFindings(page), view).toEqual([]);
    }
  });

  await test.step('dark theme', async () => {
    await page.getByRole('button', { name: /dark theme/ }).click();
    await shot(page, '11-overview-dark');
    await shell.go('Nodes');
    await shot(page, '12-nodes-dark');
  });
});
