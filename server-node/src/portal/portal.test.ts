import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../net/free-port.js';
import { spawnBalancer, stopProcess, waitForNode } from '../sandbox/node-process.js';
import { createEnvironment, createProject, createTarget } from '../test-support/domain-setup.js';
import { TestCluster } from '../test-support/test-cluster.js';
import { createUser, signIn } from '../test-support/users.js';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('the web portal in Chromium, behind the built-in balancer', () => {
  const cluster = new TestCluster();
  let balancer: ChildProcess;
  let balancerUrl: string;
  let browser: Browser;
  let password: string;
  let projectId: string;
  beforeAll(async () => {
    await cluster.create({ nodes: 2 });
    const port = await findFreePort(0);
    balancerUrl = `http://127.0.0.1:${port}`;
    const balancerLog = path.join(cluster.dir, 'balancer.log');
    balancer = spawnBalancer(`127.0.0.1:${port}`, cluster.node('node-1').home, balancerLog);
    await waitForNode(balancerUrl, balancer, balancerLog);
    const environment = await createEnvironment(cluster, 'Production');
    await createTarget(cluster, {
      kind: 'node',
      name: 'self',
      environmentId: environment.id,
      deployRoot: path.join(cluster.dir, 'apps'),
    });
    const project = await createProject(cluster, 'Portal Demo', [
      {
        type: 'script',
        name: 'Count',
        runOn: 'node',
        script: 'for i in 1 2 3; do echo "tick $i"; sleep 0.4; done; echo "done-#{Name}"',
      },
    ]);
    await cluster.api('PUT', `/api/projects/${project.id}/variables`, { name: 'Name', value: 'demo' });
    projectId = project.id;
    password = (await createUser(cluster, 'paula', 'deployer')).password;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    if (balancer) await stopProcess(balancer, 5000);
    await cluster.destroy();
  });

  it('signs in, creates a release, deploys it, follows the log, and survives the loss of a node', async () => {
    const page = await browser.newPage();
    await page.goto(`${balancerUrl}/`);
    expect(new URL(page.url()).pathname).toBe('/login');

    // Keyboard only: type, tab, type, enter.
    await page.getByLabel('User name').fill('paula');
    await page.keyboard.press('Tab');
    await page.keyboard.type(password);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${balancerUrl}/`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Dashboard');
    expect(await page.locator('#served-by').textContent()).toMatch(/^node-[12]$/);
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'flotilla_session')).toMatchObject({
      httpOnly: true,
      sameSite: 'Lax',
    });

    await page.getByRole('link', { name: 'Portal Demo' }).click();
    await page.getByLabel('Version').fill('1.0.0');
    await page.getByRole('button', { name: 'Create release' }).click();
    await page.getByRole('button', { name: 'Deploy 1.0.0' }).click();
    await page.waitForURL(/\/tasks\/\d+$/);
    const taskUrl = page.url();

    await expect
      .poll(() => page.locator('#log').textContent(), { timeout: 20_000 })
      .toMatch(/tick 1\ntick 2\ntick 3\ndone-demo\n/);
    await expect.poll(() => page.locator('#task-state').textContent(), { timeout: 20_000 }).toBe('succeeded');
    expect(await page.locator('#log').textContent()).toMatch(/Deployment finished on node-[12]/);

    // The dashboard shows the deployment; then the node that served it dies before the next click.
    await page.getByRole('link', { name: 'Dashboard' }).click();
    expect(await page.getByRole('cell', { name: /1\.0\.0 succeeded/ }).count()).toBe(1);
    const served = (await page.locator('#served-by').textContent())!;
    await cluster.kill(served);
    await page.getByRole('link', { name: 'Tasks' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Tasks');
    const survivor = served === 'node-1' ? 'node-2' : 'node-1';
    expect(await page.locator('#served-by').textContent()).toBe(survivor);
    expect(await page.locator('header').textContent()).toContain('paula (deployer)');
    const row = page.getByRole('row', { name: /Deploy Portal Demo 1\.0\.0 to Production/ });
    expect(await row.textContent()).toMatch(/succeeded\s*node-[12]/);

    // The task page, log included, comes from the surviving node too.
    await page.goto(taskUrl);
    await expect.poll(() => page.locator('#log').textContent(), { timeout: 10_000 }).toMatch(/done-demo/);
    expect(await page.locator('#served-by').textContent()).toBe(survivor);
    await page.close();
  });

  it('refuses a form post without its CSRF token and answers a wrong password with a clear message', async () => {
    const page = await browser.newPage();
    await page.goto(`${balancerUrl}/login`);
    await page.getByLabel('User name').fill('paula');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByRole('alert').textContent()).toBe('Wrong user name or password.');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${balancerUrl}/`);
    const forged = await page.request.post(`${balancerUrl}/logout`, {
      form: { _csrf: 'forged' },
      maxRedirects: 0,
    });
    expect(forged.status()).toBe(403);
    await page.close();
  });

  it('shows a viewer the project without the controls it may not use, and says why', async () => {
    const viewer = await createUser(cluster, 'vera', 'viewer');
    const session = await signIn(balancerUrl, 'vera', viewer.password);
    const page = await fetch(`${balancerUrl}/projects/${projectId}`, { headers: { cookie: session.cookie } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    const text = await page.text();
    expect(text).toContain('Creating releases and deploying needs the deployer role; you are a viewer.');
    expect(text).not.toContain(`action="/projects/${projectId}/releases"`);
    expect(text).toMatch(/<button disabled title="Deploying needs the deployer role">/);
    const forced = await fetch(`${balancerUrl}/projects/${projectId}/releases`, {
      method: 'POST',
      headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: session.csrfToken, version: '9.9.9' }),
      redirect: 'manual',
    });
    expect(forced.status).toBe(403);
    expect(await forced.text()).toContain('This needs the deployer role; vera is a viewer.');
  });
});
