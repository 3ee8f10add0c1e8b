import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentDetailDto, EnvironmentDto } from '../api/index.js';
import type { FixtureEntry } from '../test-support/archives.js';
import { makeTarGz, makeZip } from '../test-support/archives.js';
import {
  createEnvironment,
  createProject,
  createRelease,
  createTarget,
  deploy,
  taskState,
  uploadPackage,
} from '../test-support/domain-setup.js';
import { TestCluster } from '../test-support/test-cluster.js';

const MiB = 1024 ** 2;
const MAX_BYTES = 16 * MiB;
const MAX_ENTRIES = 1000;

const zeros = (bytes: number) => Buffer.alloc(bytes);
const files = (count: number): FixtureEntry[] =>
  Array.from({ length: count }, (_, i) => ({ name: `f/${i}.txt`, content: '' }));

describe('package limits: bytes expanded and entries', () => {
  const cluster = new TestCluster();
  let environment: EnvironmentDto;
  const setLimits = (limits: { packageMaxBytes?: number; packageMaxEntries?: number }) =>
    cluster.db.query(`update cluster set settings = settings || $1::jsonb`, [JSON.stringify(limits)]);

  beforeAll(async () => {
    await cluster.create({ nodes: 1 });
    environment = await createEnvironment(cluster, 'Test');
    await createTarget(cluster, {
      kind: 'node',
      name: 'local',
      environmentId: environment.id,
      roles: ['app'],
      deployRoot: path.join(cluster.dir, 'apps'),
    });
    await setLimits({ packageMaxBytes: MAX_BYTES, packageMaxEntries: MAX_ENTRIES });
  });
  afterAll(() => cluster.destroy());

  it('refuses zip bombs and archives of very many entries at upload, naming the limit and how to raise it', async () => {
    const bomb = zeros(64 * MiB);
    const tooLarge =
      /expands to more than 16 MiB, the cluster's limit for a package \(setting packageMaxBytes = 16777216\)\. .*update cluster set settings = settings \|\| '\{"packageMaxBytes": 33554432\}'/;
    const tooMany =
      /holds more than 1000 entries, the cluster's limit for a package \(setting packageMaxEntries = 1000\)\. .*'\{"packageMaxEntries": 2000\}'/;
    const hostile: [name: string, archive: Buffer, message: RegExp][] = [
      ['tar-bomb', await makeTarGz([{ name: 'zeros.bin', data: bomb }]), tooLarge],
      ['zip-bomb', makeZip([{ name: 'zeros.bin', data: bomb }], { deflate: true }), tooLarge],
      [
        'tar-spread',
        await makeTarGz(Array.from({ length: 5 }, (_, i) => ({ name: `${i}.bin`, data: zeros(4 * MiB) }))),
        tooLarge,
      ],
      [
        'zip-spread',
        makeZip(
          Array.from({ length: 5 }, (_, i) => ({ name: `${i}.bin`, data: zeros(4 * MiB) })),
          { deflate: true },
        ),
        tooLarge,
      ],
      // Gigabytes of empty tar blocks hold no entry at all, but still cost the node its time.
      ['tar-padding', gzipSync(zeros(64 * MiB)), tooLarge],
      ['tar-many', await makeTarGz(files(MAX_ENTRIES + 1)), tooMany],
      ['zip-many', makeZip(files(MAX_ENTRIES + 1)), tooMany],
      [
        'tar-many-folders',
        await makeTarGz(
          Array.from({ length: MAX_ENTRIES + 1 }, (_, i) => ({ name: `d${i}/`, type: 'directory' })),
        ),
        tooMany,
      ],
    ];
    for (const [id, archive, message] of hostile) {
      expect(archive.length).toBeLessThan(2 * MiB);
      const response = await uploadPackage(cluster, id, '1.0.0', archive);
      expect({ id, status: response.status }).toEqual({ id, status: 400 });
      expect(response.body.error).toMatch(message);
    }
    const feed = path.join(cluster.dir, 'shared', 'packages');
    expect(readdirSync(feed)).toEqual(['.incoming']);
    expect(readdirSync(path.join(feed, '.incoming'))).toEqual([]);

    // Up to the limits is fine.
    for (const [id, archive] of [
      ['tar-ok', await makeTarGz([{ name: 'zeros.bin', data: zeros(MAX_BYTES) }])],
      ['zip-ok', makeZip(files(MAX_ENTRIES), { deflate: true })],
    ] as const) {
      const response = await uploadPackage(cluster, id, '1.0.0', archive);
      expect({ id, status: response.status }).toEqual({ id, status: 201 });
    }
  });

  it('applies the limits as they are now at every extraction, also to an archive that lies about its sizes', async () => {
    // 12 MiB of zeros that claims 1 KiB: the upload checks the sizes the archive declares ...
    const liar = makeZip([{ name: 'zeros.bin', data: zeros(12 * MiB), declaredSize: 1024 }], {
      deflate: true,
    });
    expect((await uploadPackage(cluster, 'liar', '1.0.0', liar)).status).toBe(201);
    const big = await makeTarGz([{ name: 'zeros.bin', data: zeros(12 * MiB) }]);
    expect((await uploadPackage(cluster, 'big', '1.0.0', big)).status).toBe(201);
    const many = makeZip(files(600));
    expect((await uploadPackage(cluster, 'many', '1.0.0', many)).status).toBe(201);

    const deployed = async (packageId: string, version: string) => {
      const project = await createProject(cluster, `Deploy ${packageId} ${version}`, [
        { type: 'deploy-package', name: 'Unpack', packageId, targetRoles: ['app'] },
      ]);
      const release = await createRelease(cluster, project.id, version, { [packageId]: '1.0.0' });
      const deployment = await deploy(cluster, release.id, environment.id);
      await expect
        .poll(() => taskState(cluster, deployment.taskId), { timeout: 30_000 })
        .toMatch(/succeeded|failed/);
      return (await cluster.api<DeploymentDetailDto>('GET', `/api/deployments/${deployment.id}`)).body;
    };

    // ... the extraction counts what really comes out.
    const lying = await deployed('liar', '1');
    expect(lying.state).toBe('failed');
    expect(lying.error).toMatch(/too many bytes in the stream|expands to more than 16 MiB/);

    await setLimits({ packageMaxBytes: 8 * MiB, packageMaxEntries: 500 });
    const tooBig = await deployed('big', '1');
    expect(tooBig.state).toBe('failed');
    expect(tooBig.error).toMatch(/expands to more than 8 MiB, .*setting packageMaxBytes = 8388608/);
    const tooMany = await deployed('many', '1');
    expect(tooMany.state).toBe('failed');
    expect(tooMany.error).toMatch(/holds more than 500 entries, .*setting packageMaxEntries = 500/);

    // Raised again: no restart needed, every node reads the settings at each use.
    await setLimits({ packageMaxBytes: MAX_BYTES, packageMaxEntries: MAX_ENTRIES });
    expect((await deployed('big', '2')).state).toBe('succeeded');
    expect((await deployed('many', '2')).state).toBe('succeeded');
    expect(existsSync(path.join(cluster.dir, 'apps', 'many', '1.0.0', 'f', '599.txt'))).toBe(true);
  });
});
