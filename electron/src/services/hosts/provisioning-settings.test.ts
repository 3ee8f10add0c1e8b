import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClusterEntryDto } from '../../common/contract.js';
import type { ClusterHttp } from '../cluster-client/cluster-http.js';
import { MemoryVault } from '../vault/memory-vault.js';
import { ProvisioningSettings, maskUrl } from './provisioning-settings.js';

const entry = (kind: ClusterEntryDto['kind']): ClusterEntryDto => ({
  id: `${kind}-1`,
  name: kind,
  balancerUrl: 'http://127.0.0.1:9',
  nodeUrls: [],
  kind,
  createdAt: new Date().toISOString(),
});
const http = {
  json: () => Promise.resolve({ clusterId: 'cluster-uuid', sharedDir: '/srv/flotilla-shared' }),
} as unknown as ClusterHttp;

describe('provisioning settings', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("takes the sandbox's database URL and master key from the sandbox itself", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'flotilla-settings-'));
    dirs.push(dir);
    await mkdir(path.join(dir, 'node-1'));
    await writeFile(path.join(dir, 'node-1', 'flotilla.json'), JSON.stringify({ masterKey: 'mk-sandbox' }));
    const dbUrl = 'postgres://postgres:pw@127.0.0.1:5500/postgres';
    const settings = new ProvisioningSettings(new MemoryVault(), () => ({
      clusterId: 'sandbox-1',
      dbUrl,
      dir,
    }));
    expect(await settings.describe(entry('sandbox'))).toEqual({
      source: 'sandbox',
      dbUrl: 'postgres://postgres:*****@127.0.0.1:5500/postgres',
      masterKeySet: true,
    });
    expect(await settings.access(entry('sandbox'), http)).toMatchObject({
      clusterId: 'cluster-uuid',
      sharedDir: '/srv/flotilla-shared',
      dbUrl,
      masterKey: 'mk-sandbox',
    });
    await expect(settings.save(entry('sandbox'), { dbUrl, masterKey: 'x' })).rejects.toThrow(
      /provides its own/,
    );
  });

  it("keeps a remote cluster's settings in the vault; an empty master key keeps the stored one", async () => {
    const vault = new MemoryVault();
    const settings = new ProvisioningSettings(vault, () => null);
    await expect(settings.access(entry('remote'), http)).rejects.toThrow(/Provisioning settings/);
    await expect(settings.save(entry('remote'), { dbUrl: 'mysql://db/x', masterKey: 'k' })).rejects.toThrow(
      /postgres:\/\/user:password@db-host/,
    );
    await settings.save(entry('remote'), { dbUrl: 'postgres://u:one@db:5432/f', masterKey: 'mk-1' });
    await settings.save(entry('remote'), { dbUrl: 'postgres://u:two@db:5432/f', masterKey: '' });
    expect(await settings.access(entry('remote'), http)).toMatchObject({
      dbUrl: 'postgres://u:two@db:5432/f',
      masterKey: 'mk-1',
    });
    expect(await settings.describe(entry('remote'))).toEqual({
      source: 'saved',
      dbUrl: 'postgres://u:*****@db:5432/f',
      masterKeySet: true,
    });
    await settings.forget('remote-1');
    expect(await vault.get('cluster:remote-1:provisioning')).toBeNull();
  });

  it('masks only the password of a URL', () => {
    expect(maskUrl('postgres://db:5432/f')).toBe('postgres://db:5432/f');
    expect(maskUrl('not a url')).toBe('(not a URL)');
  });
});
