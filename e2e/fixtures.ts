import { test as base, expect } from '@playwright/test';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BalancerPage } from './pages/balancer-page.js';
import { ClustersPage } from './pages/clusters-page.js';
import { DiagnosticsPage } from './pages/diagnostics-page.js';
import { HostsPage } from './pages/hosts-page.js';
import { MigrationPage } from './pages/migration-page.js';
import { NodesPage } from './pages/nodes-page.js';
import { OverviewPage } from './pages/overview-page.js';
import { ShellPage } from './pages/shell-page.js';
import { TasksPage } from './pages/tasks-page.js';
import { startJsonProcess } from './support/child-process.js';
import { findFreePortRange } from '@flotilla/server-node/net/free-port';
import { RESULTS_DIR, SERVER_NODE_CLI, WEB_HOST_MAIN } from './support/repo-paths.js';

// The one fixtures module every spec imports: a real sandbox cluster and a console web host per
// worker, and a page object for each view.

export interface SandboxCluster {
  balancerUrl: string;
  apiKey: string;
  nodes: { name: string; url: string; pid: number }[];
  /** Its PostgreSQL, as the nodes (and hosts on this machine) reach it. */
  dbUrl: string;
  /** Its folder: node-1/flotilla.json holds the master key a provisioned node needs. */
  dir: string;
  /** The cluster's shared folder. */
  sharedDir: string;
  /** Queues `count` noop tasks that each sleep `sleepMs`, through the cluster's API. */
  queueTasks(count: number, sleepMs: number): Promise<void>;
}

/** Worker options a Playwright config may set. */
export interface SandboxOptions {
  /** How many nodes the sandbox cluster has: 3 for the journeys, 32 for bench:console-scale. */
  sandboxNodes: number;
}

interface WorkerFixtures extends SandboxOptions {
  workDir: string;
  sandbox: SandboxCluster;
  consoleUrl: string;
}

interface TestFixtures {
  shell: ShellPage;
  clusters: ClustersPage;
  overview: OverviewPage;
  nodes: NodesPage;
  tasks: TasksPage;
  balancer: BalancerPage;
  hosts: HostsPage;
  migration: MigrationPage;
  diagnostics: DiagnosticsPage;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  sandboxNodes: [3, { scope: 'worker', option: true }],
  workDir: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      mkdirSync(RESULTS_DIR, { recursive: true });
      const dir = mkdtempSync(path.join(tmpdir(), 'flotilla-e2e-'));
      // As root the embedded PostgreSQL runs as user 'postgres', which must be able to enter the folder.
      chmodSync(dir, 0o755);
      await use(dir);
      // The sandbox and the console using it are stopped by now (they depend on this fixture).
      rmSync(dir, { recursive: true, force: true });
    },
    { scope: 'worker' },
  ],
  sandbox: [
    async ({ workDir, sandboxNodes }, use) => {
      // The balancer's port, then one per node.
      const port = await findFreePortRange(sandboxNodes + 2);
      const dir = path.join(workDir, 'sandbox');
      const started = await startJsonProcess<Omit<SandboxCluster, 'queueTasks' | 'dir'>>(
        [
          SERVER_NODE_CLI,
          'sandbox',
          '--dir',
          dir,
          '--nodes',
          String(sandboxNodes),
          '--port',
          String(port),
          '--json',
        ],
        { logFile: path.join(RESULTS_DIR, 'sandbox.log'), timeoutMs: 60_000 + sandboxNodes * 5000 },
      );
      const { balancerUrl, apiKey, nodes, dbUrl, sharedDir } = started.info;
      const queueTasks = async (count: number, sleepMs: number) => {
        for (let i = 0; i < count; i++) {
          const response = await fetch(`${balancerUrl}/api/tasks`, {
            method: 'POST',
            headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
            body: JSON.stringify({ kind: 'noop', args: { sleepMs }, description: 'e2e' }),
          });
          expect(response.status).toBe(201);
        }
      };
      await use({
        balancerUrl: balancerUrl || nodes[0]!.url,
        apiKey,
        nodes,
        dbUrl,
        dir,
        sharedDir,
        queueTasks,
      });
      await started.stop();
    },
    // 32 nodes start in about a minute on two cores.
    { scope: 'worker', timeout: 300_000 },
  ],
  consoleUrl: [
    async ({ workDir }, use) => {
      // The console's own one-click sandbox gets its own folder and ports, apart from the fixture's cluster.
      const sandboxPort = await findFreePortRange(5);
      const args = [
        WEB_HOST_MAIN,
        '--no-open',
        '--json',
        '--sandbox-dir',
        path.join(workDir, 'console-sandbox'),
      ];
      const started = await startJsonProcess<{ url: string }>(
        [...args, '--sandbox-port', String(sandboxPort)],
        {
          env: { FLOTILLA_CONSOLE_HOME: path.join(workDir, 'console-home') },
          logFile: path.join(RESULTS_DIR, 'web-host.log'),
        },
      );
      await use(started.info.url);
      await started.stop();
    },
    { scope: 'worker', timeout: 60_000 },
  ],
  // Any uncaught error in the page fails the test: a console that crashes behind a blank screen is broken.
  page: async ({ page }, use) => {
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(`${error.message}\n${error.stack ?? ''}`));
    await use(page);
    expect(errors, 'uncaught errors in the page').toEqual([]);
  },
  shell: async ({ page }, use) => use(new ShellPage(page)),
  clusters: async ({ page }, use) => use(new ClustersPage(page)),
  overview: async ({ page }, use) => use(new OverviewPage(page)),
  nodes: async ({ page }, use) => use(new NodesPage(page)),
  tasks: async ({ page }, use) => use(new TasksPage(page)),
  balancer: async ({ page }, use) => use(new BalancerPage(page)),
  hosts: async ({ page }, use) => use(new HostsPage(page)),
  migration: async ({ page }, use) => use(new MigrationPage(page)),
  diagnostics: async ({ page }, use) => use(new DiagnosticsPage(page)),
});

export { expect };

/** Where the screenshots of each view go, for people to look at. */
export const screenshotPath = (name: string) => path.join(RESULTS_DIR, 'screenshots', `${name}.png`);
