import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ArtifactDto,
  DashboardDto,
  DeploymentDetailDto,
  DeploymentDto,
  EnvironmentDto,
  ErrorDto,
  PackageDto,
  ProjectDto,
  ReleaseDto,
  RetentionPolicyDto,
  TargetDto,
  TaskDetailDto,
  UserDto,
  VariableDto,
} from '../api/index.js';
import { makeTarGz, makeZip } from '../test-support/archives.js';
import {
  createEnvironment,
  createRelease,
  createTarget,
  deploy,
  taskLog,
  taskState,
  uploadPackage,
} from '../test-support/domain-setup.js';
import { TestCluster } from '../test-support/test-cluster.js';

const SECRET = 's3cr3t-Value-42!';

describe('projects, packages, releases and deployments through the API', () => {
  const cluster = new TestCluster();
  let environment: EnvironmentDto;
  let project: ProjectDto;
  let target: TargetDto;
  let appsDir: string;
  let webTar: Buffer;
  beforeAll(async () => {
    await cluster.create({ nodes: 2 });
    appsDir = path.join(cluster.dir, 'apps');
    environment = await createEnvironment(cluster, 'Test');
    target = await createTarget(cluster, {
      kind: 'node',
      name: 'local',
      environmentId: environment.id,
      roles: ['web'],
      deployRoot: appsDir,
    });
    webTar = await makeTarGz([
      { name: 'index.html', content: '<h1>shop v1</h1>\n' },
      { name: 'bin/', type: 'directory' },
      { name: 'bin/run.sh', content: '#!/bin/sh\necho running\n', mode: 0o755 },
    ]);
  });
  afterAll(() => cluster.destroy());

  it('keeps a package feed with checksums, and rejects anything that could escape its folder', async () => {
    const uploaded = await uploadPackage(cluster, 'web', '1.0.0', webTar);
    expect(uploaded.status).toBe(201);
    expect(uploaded.body).toMatchObject({
      packageId: 'web',
      version: '1.0.0',
      format: 'tar.gz',
      sizeBytes: webTar.length,
      sha256: createHash('sha256').update(webTar).digest('hex'),
      uploadedBy: 'admin (api key administrator)',
    });
    const zip = makeZip([{ name: 'index.html', content: '<h1>shop v2</h1>\n' }]);
    expect((await uploadPackage(cluster, 'web', '1.0.1', zip)).body.format).toBe('zip');
    const again = await uploadPackage(cluster, 'web', '1.0.0', webTar);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatch(/already in the feed; upload a new version/);

    const list = await cluster.api<PackageDto[]>('GET', '/api/packages?packageId=web');
    expect(list.body.map((p) => p.version).sort()).toEqual(['1.0.0', '1.0.1']);
    const download = await fetch(`${cluster.node('node-2').url}/api/packages/web/1.0.0/download`, {
      headers: { authorization: `Bearer ${cluster.apiKey}` },
    });
    expect(Buffer.from(await download.arrayBuffer()).equals(webTar)).toBe(true);
    expect(download.headers.get('x-checksum-sha256')).toBe(uploaded.body.sha256);

    const hostile: [string, string, Buffer, RegExp][] = [
      ['evil', '1', await makeTarGz([{ name: '../evil.txt', content: 'x' }]), /'\.\.'/],
      [
        'evil',
        '2',
        await makeTarGz([{ name: 'a/../../evil.txt', content: 'x' }]),
        /escapes the package folder/,
      ],
      ['evil', '3', await makeTarGz([{ name: '/etc/cron.d/evil', content: 'x' }]), /is an absolute path/],
      [
        'evil',
        '4',
        await makeTarGz([{ name: 'link', type: 'symlink', linkname: '/etc' }]),
        /is a symlink; packages may hold only files and folders/,
      ],
      ['evil', '5', await makeTarGz([{ name: 'hard', type: 'symlink', linkname: '../../x' }]), /symlink/],
      [
        'evil',
        '6',
        makeZip([{ name: '../../evil.txt', content: 'x' }]),
        /escapes the package folder|invalid relative path/,
      ],
      ['evil', '7', makeZip([{ name: 'C:\\Windows\\evil.dll', content: 'x' }]), /absolute path/],
      ['evil', '8', makeZip([{ name: 'link', type: 'symlink', linkname: '/etc/passwd' }]), /symbolic link/],
      ['evil', '9', Buffer.from('just text'), /neither a \.zip nor a \.tar\.gz/],
      ['a..b', '1.0.0', webTar, /package id 'a\.\.b' is not allowed/],
      ['.hidden', '1.0.0', webTar, /package id '\.hidden' is not allowed/],
      ['web', '../1.0.0', webTar, /version '\.\.\/1\.0\.0' is not allowed/],
    ];
    for (const [id, version, archive, message] of hostile) {
      const response = await uploadPackage(cluster, id, version, archive);
      expect({ id, version, status: response.status }).toEqual({ id, version, status: 400 });
      expect(response.body.error).toMatch(message);
    }
    // Query form, with a name that would climb out of the feed.
    const viaQuery = await fetch(`${cluster.node('node-1').url}/api/packages?id=..%2F..%2Fetc&version=1`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cluster.apiKey}`, 'content-type': 'application/octet-stream' },
      body: webTar,
    });
    expect(viaQuery.status).toBe(400);
    const issues = ((await viaQuery.json()) as ErrorDto).issues!;
    expect(issues.map((issue) => issue.path)).toEqual(['id']);
    expect(issues[0]!.message).toMatch(/no '\.\.' and no slashes/);
    const feed = path.join(cluster.dir, 'shared', 'packages');
    expect(readdirSync(feed).sort()).toEqual(['.incoming', 'web']);
    expect(readdirSync(path.join(feed, '.incoming'))).toEqual([]);
    expect(existsSync(path.join(cluster.dir, 'evil.txt'))).toBe(false);
  });

  it('keeps sensitive variables write-only', async () => {
    project = (
      await cluster.api<ProjectDto>('POST', '/api/projects', {
        name: 'Shop',
        process: [
          {
            type: 'script',
            name: 'Announce',
            script:
              'echo "deploying #{AppName} to $FLOTILLA_ENVIRONMENT on $FLOTILLA_TARGET, password #{DbPassword}"; ' +
              'echo "report of #{AppName}" > "$FLOTILLA_ARTIFACTS/report.txt"',
          },
          {
            type: 'deploy-package',
            name: 'Web',
            packageId: 'web',
            targetRoles: ['web'],
            preDeployScript: 'test -x bin/run.sh && echo "pre-deploy in $PWD"',
            postDeployScript: 'cat index.html; echo "connecting with #{DbPassword}" >&2',
          },
          {
            type: 'http-check',
            name: 'Ping',
            url: `${cluster.node('node-1').url}/api/nodes/ping`,
            retries: 2,
          },
        ],
      })
    ).body;
    expect(project.process[0]).toMatchObject({ runOn: 'targets', shell: 'bash' });
    await cluster.api('PUT', `/api/projects/${project.id}/variables`, { name: 'AppName', value: 'shop' });
    await cluster.api('PUT', `/api/projects/${project.id}/variables`, {
      name: 'AppName',
      value: 'shop-test',
      environmentId: environment.id,
    });
    const secret = await cluster.api<VariableDto>('PUT', `/api/projects/${project.id}/variables`, {
      name: 'DbPassword',
      value: SECRET,
      sensitive: true,
    });
    expect(secret.body).toMatchObject({ name: 'DbPassword', sensitive: true, value: null });
    const variables = await cluster.api<VariableDto[]>('GET', `/api/projects/${project.id}/variables`);
    expect(variables.body.map((v) => [v.name, v.value, v.environmentId])).toEqual([
      ['AppName', 'shop', null],
      ['AppName', 'shop-test', environment.id],
      ['DbPassword', null, null],
    ]);
    const stored = await cluster.db.query<{ value: string }>(
      `select value from variables where name = 'DbPassword'`,
    );
    expect(stored.rows[0]!.value).toMatch(/^v1:/);
    expect(stored.rows[0]!.value).not.toContain(SECRET);
  });

  it('validates every body and names the field', async () => {
    const cases: [string, string, unknown, number, RegExp][] = [
      ['POST', '/api/projects', { name: '' }, 400, /name: name the project/],
      [
        'POST',
        '/api/projects',
        { name: 'X', process: [{ type: 'script', name: 'a' }] },
        400,
        /process\.0\.script/,
      ],
      [
        'POST',
        '/api/projects',
        { name: 'X', process: [{ type: 'teleport', name: 'a' }] },
        400,
        /process\.0\.type/,
      ],
      [
        'POST',
        '/api/projects',
        { name: 'X', process: [{ type: 'deploy-package', name: 'a', packageId: '../x' }] },
        400,
        /process\.0\.packageId: package id/,
      ],
      [
        'POST',
        '/api/projects',
        { name: 'X', process: [{ type: 'http-check', name: 'a', url: 'file:///etc' }] },
        400,
        /process\.0\.url: use an http/,
      ],
      ['POST', '/api/projects', { name: 'Shop' }, 409, /A project named 'Shop' exists/],
      ['POST', '/api/environments', { name: 'Test' }, 409, /exists/],
      [
        'POST',
        '/api/targets',
        { kind: 'node', name: 'n', environmentId: environment.id, deployRoot: 'relative' },
        400,
        /deployRoot: use an absolute path/,
      ],
      [
        'POST',
        '/api/targets',
        {
          kind: 'ssh',
          name: 's',
          environmentId: environment.id,
          deployRoot: '/srv',
          host: 'h',
          username: 'u',
        },
        400,
        /auth: give a private key or a password/,
      ],
      [
        'POST',
        '/api/targets',
        {
          kind: 'ssh',
          name: 's',
          environmentId: environment.id,
          deployRoot: '/srv',
          host: 'h',
          username: 'u',
          auth: { kind: 'password', password: 'p' },
          hostKeyFingerprint: 'abc',
        },
        400,
        /hostKeyFingerprint: use the SHA256/,
      ],
      [
        'POST',
        '/api/targets',
        {
          kind: 'node',
          name: 'n',
          environmentId: '00000000-0000-4000-8000-000000000000',
          deployRoot: '/srv',
        },
        400,
        /environmentId: no environment/,
      ],
      [
        'PUT',
        `/api/projects/${project.id}/variables`,
        { name: '1bad', value: 'x' },
        400,
        /name: start with a letter/,
      ],
      [
        'POST',
        `/api/projects/${project.id}/releases`,
        { version: '1.0', packages: { nope: '1' } },
        400,
        /packages\.nope: the process deploys no package 'nope'/,
      ],
      [
        'POST',
        `/api/projects/${project.id}/releases`,
        { version: '1.0', packages: { web: '9.9' } },
        400,
        /version 9\.9 of 'web' is not in the feed/,
      ],
      [
        'POST',
        `/api/projects/${project.id}/releases`,
        { version: 'a b' },
        400,
        /version: version 'a b' is not allowed/,
      ],
      [
        'POST',
        '/api/deployments',
        { releaseId: 'x', environmentId: environment.id },
        400,
        /releaseId: releaseId must be a UUID/,
      ],
      [
        'POST',
        '/api/deployments',
        { releaseId: '00000000-0000-4000-8000-000000000000', environmentId: environment.id },
        400,
        /releaseId: no release/,
      ],
      ['POST', '/api/tasks', { kind: 'deploy', args: {} }, 400, /POST \/api\/deployments/],
      ['GET', '/api/projects/nope', undefined, 400, /id: id must be a UUID/],
      ['GET', '/api/projects/00000000-0000-4000-8000-000000000000', undefined, 404, /No project/],
      ['PATCH', '/api/retention', { keepReleasesPerProject: 0 }, 400, /keepReleasesPerProject/],
    ];
    for (const [method, url, body, status, message] of cases) {
      const response = await cluster.api<ErrorDto>(method, url, body);
      expect({ url, body, status: response.status }).toEqual({ url, body, status });
      expect(response.body.error).toMatch(message);
    }
  });

  it('deploys a release to the node target, masking the sensitive value everywhere', async () => {
    const release = await createRelease(cluster, project.id, '1.0.0', { web: '1.0.0' });
    expect(release.packages).toEqual({ web: '1.0.0' });
    const duplicate = await cluster.api<ErrorDto>('POST', `/api/projects/${project.id}/releases`, {
      version: '1.0.0',
    });
    expect(duplicate.status).toBe(409);
    await expect(
      cluster.db.query(`update releases set notes = 'changed' where id = $1`, [release.id]),
    ).rejects.toThrow(/releases are immutable/);

    const deployment = await deploy(cluster, release.id, environment.id);
    await expect.poll(() => taskState(cluster, deployment.taskId), { timeout: 20_000 }).toBe('succeeded');

    const current = path.join(appsDir, 'web', 'current');
    expect(readlinkSync(current)).toBe('1.0.0');
    expect(readFileSync(path.join(current, 'index.html'), 'utf8')).toBe('<h1>shop v1</h1>\n');
    expect(statSync(path.join(current, 'bin', 'run.sh')).mode & 0o777).toBe(0o755);

    const detail = await cluster.api<DeploymentDetailDto>(
      'GET',
      `/api/deployments/${deployment.id}`,
      undefined,
      { node: 'node-2' },
    );
    expect(detail.body).toMatchObject({
      state: 'succeeded',
      projectName: 'Shop',
      releaseVersion: '1.0.0',
      environmentName: 'Test',
    });
    expect(detail.body.steps.map((s) => [s.stepName, s.target, s.outcome, s.attempt])).toEqual([
      ['Announce', 'local', 'succeeded', 1],
      ['Web', 'local', 'succeeded', 1],
      ['Ping', '(node)', 'succeeded', 1],
    ]);
    const task = (await cluster.api<TaskDetailDto>('GET', `/api/tasks/${deployment.taskId}`)).body;
    expect(detail.body.steps.every((s) => s.node === task.node)).toBe(true);

    const log = await taskLog(cluster, deployment.taskId);
    expect(log).toMatch(/deploying shop-test to Test on local, password \*{8}/);
    expect(log).toMatch(/pre-deploy in .*apps\/web\/1\.0\.0/);
    expect(log).toMatch(/<h1>shop v1<\/h1>\nconnecting with \*{8}/);
    expect(log).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/api\/nodes\/ping \(try 1\/3\): HTTP 200/);
    expect(log).toMatch(/Deployment finished on node-/);
    for (const text of [
      log,
      JSON.stringify(detail.body),
      JSON.stringify(task),
      JSON.stringify((await cluster.api('GET', '/api/audit')).body),
    ]) {
      expect(text).not.toContain(SECRET);
    }

    const artifacts = await cluster.api<ArtifactDto[]>(
      'GET',
      `/api/tasks/${deployment.taskId}/artifacts`,
      undefined,
      {
        node: 'node-2',
      },
    );
    expect(artifacts.body.map((a) => [a.name, a.sizeBytes])).toEqual([['report.txt', 20]]);
    const report = await cluster.api<string>(
      'GET',
      `/api/tasks/${deployment.taskId}/artifacts/report.txt`,
      undefined,
      {
        node: 'node-2',
      },
    );
    expect(report.body).toBe('report of shop-test\n');
    const sneaky = await cluster.api<ErrorDto>(
      'GET',
      `/api/tasks/${deployment.taskId}/artifacts/..%2F..%2Fattempt-1.log`,
    );
    expect(sneaky.status).toBe(400);

    const dashboard = await cluster.api<DashboardDto>('GET', '/api/dashboard');
    expect(
      dashboard.body.latest.map((d) => [d.projectName, d.environmentName, d.releaseVersion, d.state]),
    ).toEqual([['Shop', 'Test', '1.0.0', 'succeeded']]);
  });

  it('fails a deployment at the failing step with the reason, masked', async () => {
    const failing = (
      await cluster.api<ProjectDto>('POST', '/api/projects', {
        name: 'Broken',
        process: [
          { type: 'script', name: 'Fine', runOn: 'node', script: 'echo fine' },
          { type: 'script', name: 'Boom', runOn: 'node', script: 'echo "bad #{Token}"; exit 3' },
          { type: 'script', name: 'Never', runOn: 'node', script: 'echo never' },
        ],
      })
    ).body;
    await cluster.api('PUT', `/api/projects/${failing.id}/variables`, {
      name: 'Token',
      value: SECRET,
      sensitive: true,
    });
    const release = await createRelease(cluster, failing.id, '0.1.0');
    const deployment = await deploy(cluster, release.id, environment.id);
    await expect.poll(() => taskState(cluster, deployment.taskId), { timeout: 20_000 }).toBe('failed');
    const detail = (await cluster.api<DeploymentDetailDto>('GET', `/api/deployments/${deployment.id}`)).body;
    expect(detail.error).toBe("step 2/3 'Boom' on (node) failed: script exited with code 3");
    expect(detail.steps.map((s) => [s.stepName, s.outcome])).toEqual([
      ['Fine', 'succeeded'],
      ['Boom', 'failed'],
    ]);
    const log = await taskLog(cluster, deployment.taskId);
    expect(log).toMatch(/bad \*{8}/);
    expect(log).not.toContain(SECRET);
  });

  it('checks target health as a task', async () => {
    const queued = await cluster.api<{ id: string }>('POST', `/api/targets/${target.id}/health-check`);
    await expect.poll(() => taskState(cluster, queued.body.id)).toBe('succeeded');
    const checked = (await cluster.api<TargetDto>('GET', `/api/targets/${target.id}`)).body;
    expect(checked.health?.status).toBe('healthy');
    expect(checked.health?.message).toMatch(/^ok: Linux/);
  });

  it('reads, updates and deletes every kind of object', async () => {
    // Environments
    const env = (
      await cluster.api<EnvironmentDto>('POST', '/api/environments', { name: 'Scratch', sortOrder: 5 })
    ).body;
    expect((await cluster.api<EnvironmentDto>('GET', `/api/environments/${env.id}`)).body.name).toBe(
      'Scratch',
    );
    const renamed = await cluster.api<EnvironmentDto>('PATCH', `/api/environments/${env.id}`, {
      name: 'Sandbox',
    });
    expect(renamed.body).toMatchObject({ name: 'Sandbox', sortOrder: 5 });
    expect((await cluster.api<EnvironmentDto[]>('GET', '/api/environments')).body.map((e) => e.name)).toEqual(
      ['Test', 'Sandbox'],
    );
    // Targets
    const node = (
      await cluster.api<TargetDto>('POST', '/api/targets', {
        kind: 'node',
        name: 'scratch',
        environmentId: env.id,
        deployRoot: '/tmp/scratch',
      })
    ).body;
    const replaced = await cluster.api<TargetDto>('PUT', `/api/targets/${node.id}`, {
      kind: 'node',
      name: 'scratch-2',
      environmentId: env.id,
      roles: ['db'],
      deployRoot: '/tmp/scratch2',
    });
    expect(replaced.body).toMatchObject({ name: 'scratch-2', roles: ['db'], deployRoot: '/tmp/scratch2' });
    expect(
      (await cluster.api<TargetDto[]>('GET', `/api/targets?environmentId=${env.id}`)).body.map((t) => t.name),
    ).toEqual(['scratch-2']);
    expect((await cluster.api('DELETE', `/api/targets/${node.id}`)).status).toBe(204);
    // Projects, variables, releases
    const scratch = (await cluster.api<ProjectDto>('POST', '/api/projects', { name: 'Scratch' })).body;
    const patched = await cluster.api<ProjectDto>('PATCH', `/api/projects/${scratch.id}`, {
      description: 'for trying things',
      process: [{ type: 'script', name: 'Hi', runOn: 'node', script: 'echo hi' }],
    });
    expect(patched.body).toMatchObject({
      description: 'for trying things',
      process: [{ name: 'Hi', shell: 'bash' }],
    });
    expect((await cluster.api<ProjectDto>('GET', `/api/projects/${scratch.id}`)).body.name).toBe('Scratch');
    expect((await cluster.api<ProjectDto[]>('GET', '/api/projects')).body.map((p) => p.name)).toEqual([
      'Broken',
      'Scratch',
      'Shop',
    ]);
    const variable = (
      await cluster.api<VariableDto>('PUT', `/api/projects/${scratch.id}/variables`, {
        name: 'X',
        value: '1',
      })
    ).body;
    expect((await cluster.api('DELETE', `/api/projects/${scratch.id}/variables/${variable.id}`)).status).toBe(
      204,
    );
    expect((await cluster.api<VariableDto[]>('GET', `/api/projects/${scratch.id}/variables`)).body).toEqual(
      [],
    );
    const release = await createRelease(cluster, scratch.id, '0.0.1');
    expect((await cluster.api<ReleaseDto>('GET', `/api/releases/${release.id}`)).body.process).toEqual(
      patched.body.process,
    );
    expect(
      (await cluster.api<ReleaseDto[]>('GET', `/api/projects/${scratch.id}/releases`)).body.map(
        (r) => r.version,
      ),
    ).toEqual(['0.0.1']);
    // While a deployment waits, nothing it depends on can be deleted.
    await cluster.api('PATCH', '/api/cluster', { paused: true });
    const queued = await deploy(cluster, release.id, env.id);
    for (const url of [
      `/api/releases/${release.id}`,
      `/api/projects/${scratch.id}`,
      `/api/environments/${env.id}`,
    ]) {
      const refused = await cluster.api<ErrorDto>('DELETE', url);
      expect({ url, status: refused.status }).toEqual({ url, status: 409 });
      expect(refused.body.error).toMatch(/has 1 deployment\(s\) queued or running; wait for them to finish/);
    }
    await cluster.api('PATCH', '/api/cluster', { paused: false });
    await expect.poll(() => taskState(cluster, queued.taskId)).toBe('succeeded');
    const listed = await cluster.api<DeploymentDto[]>('GET', `/api/deployments?projectId=${scratch.id}`);
    expect(listed.body.map((d) => [d.releaseVersion, d.environmentName, d.state])).toEqual([
      ['0.0.1', 'Sandbox', 'succeeded'],
    ]);
    expect((await cluster.api('DELETE', `/api/releases/${release.id}`)).status).toBe(204);
    expect((await cluster.api('GET', `/api/releases/${release.id}`)).status).toBe(404);
    expect((await cluster.api('DELETE', `/api/projects/${scratch.id}`)).status).toBe(204);
    expect((await cluster.api('DELETE', `/api/environments/${env.id}`)).status).toBe(204);
    // Users
    const user = (
      await cluster.api<UserDto>('POST', '/api/users', {
        username: 'temp',
        password: 'temporary-password',
        role: 'viewer',
      })
    ).body;
    expect((await cluster.api<UserDto>('GET', `/api/users/${user.id}`)).body.username).toBe('temp');
    expect((await cluster.api('DELETE', `/api/users/${user.id}`)).status).toBe(204);
    expect((await cluster.api('GET', `/api/users/${user.id}`)).status).toBe(404);
    // Retention policy
    expect((await cluster.api<RetentionPolicyDto>('GET', '/api/retention')).body).toMatchObject({
      everyMinutes: 60,
      keepReleasesPerProject: 20,
      taskLogDays: 30,
    });
  });

  it('applies retention: packages of old releases and old task logs go, everything else stays', async () => {
    await createRelease(cluster, project.id, '1.0.1', { web: '1.0.1' });
    const policy = await cluster.api<RetentionPolicyDto>('PATCH', '/api/retention', {
      keepReleasesPerProject: 1,
      taskLogDays: 0,
    });
    expect(policy.body).toMatchObject({ keepReleasesPerProject: 1, taskLogDays: 0, everyMinutes: 60 });
    const oldTasks = readdirSync(path.join(cluster.dir, 'shared', 'tasks'));
    expect(oldTasks.length).toBeGreaterThan(0);

    const run = await cluster.api<{ id: string }>('POST', '/api/retention/run');
    expect(run.status).toBe(201);
    await expect.poll(() => taskState(cluster, run.body.id)).toBe('succeeded');
    expect((await cluster.api('GET', '/api/packages/web/1.0.0')).status).toBe(404);
    expect((await cluster.api('GET', '/api/packages/web/1.0.1')).status).toBe(200);
    expect(existsSync(path.join(cluster.dir, 'shared', 'packages', 'web', '1.0.0.tar.gz'))).toBe(false);
    const remaining = readdirSync(path.join(cluster.dir, 'shared', 'tasks'));
    expect(remaining.filter((id) => oldTasks.includes(id))).toEqual([]);
    expect(await taskLog(cluster, run.body.id)).toMatch(/removed package web 1\.0\.0/);
  });
});
