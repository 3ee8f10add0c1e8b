import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SecretCipher } from './vault.js';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM with a random key kept in a file only the user can read (0600). Used by the web host,
 * where there is no OS keychain: it keeps secrets out of the clusters file and out of backups of it,
 * and a tampered secret fails to decrypt instead of being used.
 */
export class FileKeyCipher implements SecretCipher {
  private key: Promise<Buffer> | null = null;

  constructor(private readonly keyFile: string) {}

  async encrypt(plain: string): Promise<Buffer> {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', await this.loadKey(), iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  async decrypt(sealed: Buffer): Promise<string> {
    const iv = sealed.subarray(0, IV_BYTES);
    const tag = sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', await this.loadKey(), iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
      'utf8',
    );
  }

  private loadKey(): Promise<Buffer> {
    this.key ??= readOrCreateKey(this.keyFile);
    return this.key;
  }
}

async function readOrCreateKey(keyFile: string): Promise<Buffer> {
  const existing = await readFile(keyFile).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (existing) {
    if (existing.length !== KEY_BYTES) {
      throw new Error(
        `The vault key ${keyFile} is damaged (${existing.length} bytes). Remove it and re-enter the API keys.`,
      );
    }
    return existing;
  }
  await mkdir(path.dirname(keyFile), { recursive: true });
  const key = randomBytes(KEY_BYTES);
  // 'wx': two console processes starting at once must not each write their own key.
  await writeFile(keyFile, key, { mode: 0o600, flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  return readFile(keyFile);
}
