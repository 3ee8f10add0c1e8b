import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync } from 'node:fs';
import { link, mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactDto, ErrorDto } from '../api/index.js';
import {
  createEnvironment,
  createProject,
  createRelease,
  deploy,
  taskLog,
  taskState,
} from '../test-support/domain-setup.js';
import { TestCluster } from '../test-support/test-cluster.js';

describe('task artifacts are regular files, never links', () => {
  const cluster = new TestCluster();
  // The node's own configuration holds the master key and the database password: what a link would leak.
  let secretFile = '';
  let taskId = '';
  const artifactsOf = (id: string) => path.join(cluster.dir, 'shared', 'tasks', id, 'artifacts');
  const list = (id: string) => cluster.api<ArtifactDto[]>('GET', `/api/tasks/${id}/artifacts`);
  const fetchArtifact = (id: string, name: string) =>
    cluster.api<ErrorDto | string>('GET', `/api/tasks/${id}/artifacts/${name}`);

  beforeAll(async () => {
    await cluster.create({ nodes: 1 });
    secretFile = path.join(cluster.node('node-1').home, 'flotilla.json');
    taskId = (await cluster.queue('noop', {}))[0]!;
    const dir = artifactsOf(taskId);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'report.txt'), 'all good\n');
    await symlink(secretFile, path.join(dir, 'config.json'));
    await link(secretFile, path.join(dir, 'hard.json'));
    await symlink(path.join(cluster.dir, 'node-1'), path.join(dir, 'home'));
    await symlink(path.join(cluster.dir, 'nothing-here'), path.join(dir, 'dangling.txt'));
    await mkdir(path.join(dir, 'folder'));
    execFileSync('mkfifo', [path.join(dir, 'pipe')]);
  });
  afterAll(() => cluster.destroy());

  it('lists only the regular files', async () => {
    const listed = await list(taskId);
    expect(listed.status).toBe(200);
    expect(listed.body.map((a) => [a.name, a.sizeBytes])).toEqual([['report.txt', 9]]);
    expect((await fetchArtifact(taskId, 'report.txt')).body).toBe('all good\n');
  });

  it('refuses to serve a link or anything that is not a regular file, saying why', async () => {
    const cases: [name: string, reason: RegExp][] = [
      ['config.json', /'config\.json' is a symbolic link/],
      ['hard.json', /'hard\.json' is a hard link/],
      ['home', /'home' is a symbolic link/],
      ['dangling.txt', /'dangling\.txt' is a symbolic link/],
      ['folder', /'folder' is a folder/],
      ['pipe', /'pipe' is not a regular file/],
    ];
    for (const [name, reason] of cases) {
      const response = await fetchArtifact(taskId, name);
      expect({ name, status: response.status }).toEqual({ name, status: 403 });
      expect((response.body as ErrorDto).error).toMatch(reason);
      expect((response.body as ErrorDto).error).toMatch(/only regular files are served/);
      expect(JSON.stringify(response.body)).not.toMatch(/masterKey/);
    }
    expect((await fetchArtifact(taskId, 'missing.txt')).status).toBe(404);
  });

  it('refuses an artifacts folder, or a task folder, that is itself a link', async () => {
    const [linkedArtifacts, linkedTask] = await cluster.queue('noop', {}, 2);
    await mkdir(path.dirname(artifactsOf(linkedArtifacts!)), { recursive: true });
    await symlink(cluster.node('node-1').home, artifactsOf(linkedArtifacts!));
    const elsewhere = path.join(cluster.dir, 'elsewhere');
    await mkdir(path.join(elsewhere, 'artifacts'), { recursive: true });
    await symlink(secretFile, path.join(elsewhere, 'artifacts', 'flotilla.json'));
    await writeFile(path.join(elsewhere, 'artifacts', 'plain.txt'), 'not ours to serve\n');
    await symlink(elsewhere, path.join(cluster.dir, 'shared', 'tasks', linkedTask!));

    for (const id of [linkedArtifacts!, linkedTask!]) {
      expect((await list(id)).body).toEqual([]);
      for (const name of ['flotilla.json', 'plain.txt']) {
        const response = await fetchArtifact(id, name);
        expect({ id, name, status: response.status }).toEqual({ id, name, status: 403 });
        expect((response.body as ErrorDto).error).toMatch(
          /artifacts are not in a real folder \(tasks\/\d+(\/artifacts)? is a symbolic link\); only regular files are served/,
        );
      }
    }
  });

  it('removes links a deployment script left among its artifacts, and says so in the log', async () => {
    const environment = await createEnvironment(cluster, 'Test');
    const project = await createProject(cluster, 'Reports', [
      {
        type: 'script',
        name: 'Collect',
        runOn: 'node',
        script: [
          'echo "kept" > "$FLOTILLA_ARTIFACTS/kept.txt"',
          `ln -s ${secretFile} "$FLOTILLA_ARTIFACTS/config.json"`,
          `ln ${secretFile} "$FLOTILLA_ARTIFACTS/hard.json"`,
          'mkdir "$FLOTILLA_ARTIFACTS/sub"',
        ].join('\n'),
      },
    ]);
    const release = await createRelease(cluster, project.id, '1.0.0');
    const deployment = await deploy(cluster, release.id, environment.id);
    await expect.poll(() => taskState(cluster, deployment.taskId), { timeout: 20_000 }).toBe('succeeded');

    const log = await taskLog(cluster, deployment.taskId);
    expect(log).toMatch(
      /artifact 'config\.json' refused and removed: it is a symbolic link; copy the file into \$FLOTILLA_ARTIFACTS instead/,
    );
    expect(log).toMatch(/artifact 'hard\.json' refused and removed: it is a hard link/);
    expect(log).toMatch(/artifact 'sub' refused: it is a folder/);
    const dir = artifactsOf(deployment.taskId);
    expect(() => lstatSync(path.join(dir, 'config.json'))).toThrow(/ENOENT/);
    expect(() => lstatSync(path.join(dir, 'hard.json'))).toThrow(/ENOENT/);
    expect(existsSync(secretFile)).toBe(true);
    expect((await list(deployment.taskId)).body.map((a) => a.name)).toEqual(['kept.txt']);
  });
});
