import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentDetailDto, EnvironmentDto, TargetDto, TaskDetailDto } from '../api/index.js';
import { makeTarGz, makeZip } from '../test-support/archives.js';
import {
  createEnvironment,
  createProject,
  createRelease,
  createTarget,
  deploy,
  taskLog,
  taskState,
  uploadPackage,
} from '../test-support/domain-setup.js';
import { SshdHost } from '../test-support/sshd-host.js';
import { TestCluster } from '../test-support/test-cluster.js';

/** Whether a process whose command line contains `pattern` runs on this machine (the test target is local). */
function running(pattern: string): boolean {
  return spawnSync('pgrep', ['-f', pattern]).status === 0;
}

describe('deploying a package to a real SSH target', () => {
  const cluster = new TestCluster();
  let sshd: SshdHost;
  let environment: EnvironmentDto;
  let target: TargetDto;
  let root: string;
  beforeAll(async () => {
    sshd = await SshdHost.start({ address: '127.0.0.3' });
    await cluster.create({ nodes: 2 });
    root = path.join(sshd.dir, 'apps');
    environment = await createEnvironment(cluster, 'Production');
    target = await createTarget(cluster, {
      kind: 'ssh',
      name: 'web-1',
      environmentId: environment.id,
      roles: ['web'],
      deployRoot: root,
      host: sshd.address,
      port: sshd.port,
      username: 'root',
      auth: { kind: 'key', privateKey: sshd.clientPrivateKey },
      hostKeyFingerprint: sshd.hostKeyFingerprint,
    });
  });
  afterAll(async () => {
    await cluster.destroy();
    await sshd?.stop();
  });

  it('stores the credentials sealed and never returns them', async () => {
    expect(target).toMatchObject({
      kind: 'ssh',
      authKind: 'key',
      hasSecret: true,
      hostKeyFingerprint: sshd.hostKeyFingerprint,
    });
    const listed = await cluster.api<TargetDto[]>('GET', '/api/targets');
    expect(JSON.stringify(listed.body)).not.toMatch(/PRIVATE KEY/);
    const stored = await cluster.db.query<{ auth_secret: string }>(
      `select auth_secret from targets where id = $1`,
      [target.id],
    );
    expect(stored.rows[0]!.auth_secret).toMatch(/^v1:/);
    expect(stored.rows[0]!.auth_secret).not.toMatch(/PRIVATE KEY/);
  });

  it('checks health over SSH and refuses a host whose key is not the pinned one', async () => {
    const healthy = await cluster.api<{ id: string }>('POST', `/api/targets/${target.id}/health-check`);
    await expect.poll(() => taskState(cluster, healthy.body.id), { timeout: 15_000 }).toBe('succeeded');
    expect((await cluster.api<TargetDto>('GET', `/api/targets/${target.id}`)).body.health?.status).toBe(
      'healthy',
    );

    const impostor = await createTarget(cluster, {
      kind: 'ssh',
      name: 'impostor',
      environmentId: (await createEnvironment(cluster, 'Elsewhere')).id,
      deployRoot: root,
      host: sshd.address,
      port: sshd.port,
      username: 'root',
      auth: { kind: 'key', privateKey: sshd.clientPrivateKey },
      hostKeyFingerprint: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    });
    const check = await cluster.api<{ id: string }>('POST', `/api/targets/${impostor.id}/health-check`);
    await expect.poll(() => taskState(cluster, check.body.id), { timeout: 15_000 }).toBe('failed');
    const task = (await cluster.api<TaskDetailDto>('GET', `/api/tasks/${check.body.id}`)).body;
    expect(task.error).toContain(
      `host key mismatch at root@${sshd.address}:${sshd.port} (target impostor): it presents ${sshd.hostKeyFingerprint}`,
    );
    const unhealthy = (await cluster.api<TargetDto>('GET', `/api/targets/${impostor.id}`)).body;
    expect(unhealthy.health?.status).toBe('unhealthy');
    expect(unhealthy.health?.message).toMatch(/host key mismatch/);
  });

  it('lands the files in a versioned folder, runs the scripts there, and switches current', async () => {
    const project = await createProject(cluster, 'Storefront', [
      {
        type: 'deploy-package',
        name: 'Site',
        packageId: 'storefront',
        preDeployScript: 'echo "pre on $(hostname) in $PWD" > pre.txt; test -f index.html',
        postDeployScript:
          'echo "post #{Greeting} $FLOTILLA_PACKAGE_VERSION" > "$FLOTILLA_PACKAGE_DIR/../post.txt"; cat index.html',
      },
      {
        type: 'script',
        name: 'Verify',
        targetRoles: ['web'],
        script: 'readlink current-link 2>/dev/null; ls "#{Root}/storefront/current/"',
      },
    ]);
    await cluster.api('PUT', `/api/projects/${project.id}/variables`, { name: 'Greeting', value: 'hello' });
    await cluster.api('PUT', `/api/projects/${project.id}/variables`, { name: 'Root', value: root });
    expect(
      (
        await uploadPackage(
          cluster,
          'storefront',
          '1.0.0',
          await makeTarGz([
            { name: 'index.html', content: 'storefront 1.0.0\n' },
            { name: 'assets/', type: 'directory' },
            { name: 'assets/app.js', content: 'console.log(1)\n' },
          ]),
        )
      ).status,
    ).toBe(201);
    expect(
      (
        await uploadPackage(
          cluster,
          'storefront',
          '1.1.0',
          makeZip([{ name: 'index.html', content: 'storefront 1.1.0\n' }]),
        )
      ).status,
    ).toBe(201);

    const first = await deploy(
      cluster,
      (await createRelease(cluster, project.id, '1.0.0', { storefront: '1.0.0' })).id,
      environment.id,
    );
    await expect.poll(() => taskState(cluster, first.taskId), { timeout: 30_000 }).toBe('succeeded');
    const site = path.join(root, 'storefront');
    expect(readFileSync(path.join(site, '1.0.0', 'index.html'), 'utf8')).toBe('storefront 1.0.0\n');
    expect(readFileSync(path.join(site, '1.0.0', 'assets', 'app.js'), 'utf8')).toBe('console.log(1)\n');
    expect(readFileSync(path.join(site, '1.0.0', 'pre.txt'), 'utf8')).toMatch(
      `in ${path.join(site, '1.0.0')}`,
    );
    expect(readlinkSync(path.join(site, 'current'))).toBe('1.0.0');
    expect(readFileSync(path.join(site, 'post.txt'), 'utf8')).toBe('post hello 1.0.0\n');
    const log = await taskLog(cluster, first.taskId);
    expect(log).toMatch(/step 1\/2 'Site' on web-1 \(node node-\d\)/);
    expect(log).toMatch(/Extracted 2 file\(s\)/);
    expect(log).toMatch(/storefront 1\.0\.0\n/);
    expect(log).toMatch(/assets\nindex\.html\npre\.txt\n/);

    const second = await deploy(
      cluster,
      (await createRelease(cluster, project.id, '1.1.0')).id,
      environment.id,
    );
    await expect.poll(() => taskState(cluster, second.taskId), { timeout: 30_000 }).toBe('succeeded');
    expect(readlinkSync(path.join(site, 'current'))).toBe('1.1.0');
    expect(readFileSync(path.join(site, 'current', 'index.html'), 'utf8')).toBe('storefront 1.1.0\n');
    expect(existsSync(path.join(site, '1.0.0', 'index.html'))).toBe(true);
    expect(readFileSync(path.join(site, 'post.txt'), 'utf8')).toBe('post hello 1.1.0\n');
    const detail = (await cluster.api<DeploymentDetailDto>('GET', `/api/deployments/${second.id}`)).body;
    expect(detail.steps.map((s) => [s.stepName, s.target, s.outcome])).toEqual([
      ['Site', 'web-1', 'succeeded'],
      ['Verify', 'web-1', 'succeeded'],
    ]);
  });

  it('stops the remote script when the deployment is canceled (the same path a dying node takes)', async () => {
    const marker = path.join(sshd.dir, 'canceled-step');
    const project = await createProject(cluster, 'Slow', [
      {
        type: 'script',
        name: 'Slow',
        script: `echo started > ${marker}; sleep 31.7; echo finished >> ${marker}`,
      },
    ]);
    const deployment = await deploy(
      cluster,
      (await createRelease(cluster, project.id, '1.0.0')).id,
      environment.id,
    );
    await expect.poll(() => existsSync(marker), { timeout: 15_000 }).toBe(true);
    expect((await cluster.api('POST', `/api/tasks/${deployment.taskId}/cancel`)).status).toBe(200);
    await expect.poll(() => taskState(cluster, deployment.taskId), { timeout: 15_000 }).toBe('canceled');
    // The SSH session is gone, so the watchdog on the target kills the script's process group.
    await expect.poll(() => running('sleep 31.7'), { timeout: 5000 }).toBe(false);
    expect(readFileSync(marker, 'utf8')).toBe('started\n');
    const detail = (await cluster.api<DeploymentDetailDto>('GET', `/api/deployments/${deployment.id}`)).body;
    expect(detail.steps.map((s) => [s.stepName, s.outcome])).toEqual([['Slow', 'interrupted']]);
  });
});
