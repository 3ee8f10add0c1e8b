import { describe, expect, it } from 'vitest';
import { MemoryVault } from '../vault/memory-vault.js';
import { deleteHostCredential, loadHostAuth, saveHostCredential } from './host-credentials.js';
import type { ProvisionHost } from './provision-host.js';

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

describe('host credentials', () => {
  it('live in the vault under the host id: stored, read back, deleted', async () => {
    const vault = new MemoryVault();
    await expect(loadHostAuth(vault, host)).rejects.toThrow(/No password is stored for 127.0.0.2/);
    await saveHostCredential(vault, 'h1', { kind: 'password', password: 's3cret-pw' });
    expect(await loadHostAuth(vault, host)).toEqual({ kind: 'password', password: 's3cret-pw' });
    await deleteHostCredential(vault, 'h1');
    await expect(loadHostAuth(vault, host)).rejects.toThrow(/No password is stored for 127.0.0.2/);
  });
});
