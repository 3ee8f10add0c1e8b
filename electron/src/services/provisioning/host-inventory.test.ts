import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryVault } from '../vault/memory-vault.js';
import { loadHostAuth, saveHostCredential } from './host-credentials.js';
import { HostInventory, type ProvisionHost } from './host-inventory.js';

const host: ProvisionHost = {
  id: 'h1',
  clusterId: 'c1',
  address: '127.0.0.2',
  sshPort: 22,
  username: 'deploy',
  authKind: 'password',
  hostKey: null,
  installRoot: '/opt/flotilla',
  node: { name: 'n1', listenHost: '0.0.0.0', port: 8300, publicUrl: 'http://127.0.0.2:8300' },
};

describe('the host inventory', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'flotilla-inventory-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps hosts per cluster and pins a host key only when confirmed', async () => {
    const inventory = new HostInventory(path.join(dir, 'hosts.json'));
    expect(await inventory.list()).toEqual([]);
    await inventory.upsert(host);
    await inventory.upsert({ ...host, id: 'h2', clusterId: 'c2' });
    expect((await inventory.list('c1')).map((entry) => entry.id)).toEqual(['h1']);
    expect((await inventory.get('h1'))?.hostKey).toBeNull();
    const pinned = await inventory.confirmHostKey('h1', 'SHA256:abc');
    expect(pinned.hostKey).toBe('SHA256:abc');
    expect((await new HostInventory(path.join(dir, 'hosts.json')).get('h1'))?.hostKey).toBe('SHA256:abc');
    await inventory.remove('h2');
    expect((await inventory.list()).map((entry) => entry.id)).toEqual(['h1']);
  });

  it('keeps credentials in the vault, never in the inventory file', async () => {
    const inventory = new HostInventory(path.join(dir, 'hosts.json'));
    const vault = new MemoryVault();
    await inventory.upsert(host);
    await expect(loadHostAuth(vault, host)).rejects.toThrow(/No password is stored for 127.0.0.2/);
    await saveHostCredential(vault, 'h1', { kind: 'password', password: 's3cret-pw' });
    expect(await loadHostAuth(vault, host)).toEqual({ kind: 'password', password: 's3cret-pw' });
    expect(await readFile(path.join(dir, 'hosts.json'), 'utf8')).not.toContain('s3cret-pw');
  });
});
