import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EncryptedFileVault } from './encrypted-file-vault.js';
import { FileKeyCipher } from './file-key-cipher.js';
import { tempDir } from '../test-support/temp-dir.js';

async function freshVault() {
  const dir = await tempDir('vault');
  const file = path.join(dir, 'vault.json');
  const vault = new EncryptedFileVault(file, new FileKeyCipher(path.join(dir, 'vault.key')));
  return { dir, file, vault };
}

describe('EncryptedFileVault', () => {
  it('keeps secrets across instances, never in clear text, in files only the user can read', async () => {
    const { dir, file, vault } = await freshVault();
    await vault.set('cluster:a:apiKey', 'flt_secret-value');
    const again = new EncryptedFileVault(file, new FileKeyCipher(path.join(dir, 'vault.key')));
    expect(await again.get('cluster:a:apiKey')).toBe('flt_secret-value');
    expect(await readFile(file, 'utf8')).not.toContain('flt_secret-value');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(dir, 'vault.key'))).mode & 0o777).toBe(0o600);
  });

  it('answers null for a missing key and forgets deleted ones', async () => {
    const { vault } = await freshVault();
    expect(await vault.get('nope')).toBeNull();
    await vault.set('a', '1');
    await vault.set('b', '2');
    await vault.delete('a');
    expect(await vault.get('a')).toBeNull();
    expect(await vault.get('b')).toBe('2');
  });

  it('loses no write when several happen at once', async () => {
    const { vault } = await freshVault();
    await Promise.all(Array.from({ length: 10 }, (_, i) => vault.set(`k${i}`, `v${i}`)));
    for (let i = 0; i < 10; i++) expect(await vault.get(`k${i}`)).toBe(`v${i}`);
  });

  it('refuses a secret that was tampered with', async () => {
    const { file, vault } = await freshVault();
    await vault.set('a', 'secret');
    const entries = JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
    const bytes = Buffer.from(entries.a!, 'base64');
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 1, bytes.length - 1);
    await writeFile(file, JSON.stringify({ a: bytes.toString('base64') }));
    await expect(vault.get('a')).rejects.toThrow();
  });
});
