import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryVault } from '../vault/memory-vault.js';
import { ClusterStore } from './cluster-store.js';
import { tempDir } from '../test-support/temp-dir.js';

async function freshStore() {
  const dir = await tempDir('clusters');
  const file = path.join(dir, 'clusters.json');
  const vault = new MemoryVault();
  return { file, vault, store: new ClusterStore(file, vault) };
}

const input = {
  name: 'prod',
  balancerUrl: 'https://lb.example.com/',
  apiKey: 'flt_k1',
  kind: 'remote' as const,
};

describe('ClusterStore', () => {
  it('saves clusters in a file and their API keys only in the vault', async () => {
    const { file, store } = await freshStore();
    const added = await store.add(input);
    expect(added.balancerUrl).toBe('https://lb.example.com');
    expect(await store.list()).toEqual({ clusters: [added], activeId: added.id });
    const text = await readFile(file, 'utf8');
    expect(text).toContain('lb.example.com');
    expect(text).not.toContain('flt_k1');
    expect(await store.apiKey(added.id)).toBe('flt_k1');
  });

  it('switches, edits and removes clusters; removing the active one activates another', async () => {
    const { store } = await freshStore();
    const a = await store.add(input);
    const b = await store.add({ ...input, name: 'staging', balancerUrl: '10.0.0.5:8300' });
    expect(b.balancerUrl).toBe('http://10.0.0.5:8300');
    expect((await store.select(b.id)).activeId).toBe(b.id);
    await store.update(b.id, { name: 'stage', apiKey: 'flt_k2' });
    expect((await store.get(b.id)).name).toBe('stage');
    expect(await store.apiKey(b.id)).toBe('flt_k2');
    await store.update(b.id, { apiKey: '' });
    expect(await store.apiKey(b.id)).toBe('flt_k2');
    expect((await store.remove(b.id)).activeId).toBe(a.id);
    await expect(store.apiKey(b.id)).rejects.toThrow(/missing from the vault/);
  });

  it('refuses duplicate names and non-http URLs with a message that says what to do', async () => {
    const { store } = await freshStore();
    await store.add(input);
    await expect(store.add(input)).rejects.toThrow(/already saved. Choose another name/);
    await expect(store.add({ ...input, name: 'x', balancerUrl: 'ftp://lb' })).rejects.toThrow(
      /not an http\(s\) URL/,
    );
  });

  it('loses no cluster when several are added at once', async () => {
    const { file, vault } = await freshStore();
    const store = new ClusterStore(file, vault);
    await Promise.all(Array.from({ length: 5 }, (_, i) => store.add({ ...input, name: `c${i}` })));
    const again = new ClusterStore(file, vault);
    expect((await again.list()).clusters.map((c) => c.name).sort()).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
  });
});
