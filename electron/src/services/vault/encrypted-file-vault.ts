import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SecretCipher, Vault } from './vault.js';

/** Secrets sealed one by one with a SecretCipher, kept as base64 in one JSON file (0600). */
export class EncryptedFileVault implements Vault {
  /** Serialises writes: two changes at once must not lose one of them. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly cipher: SecretCipher,
  ) {}

  async get(key: string): Promise<string | null> {
    const sealed = (await this.read())[key];
    return sealed === undefined ? null : this.cipher.decrypt(Buffer.from(sealed, 'base64'));
  }

  set(key: string, value: string): Promise<void> {
    return this.update(async (entries) => {
      entries[key] = (await this.cipher.encrypt(value)).toString('base64');
    });
  }

  delete(key: string): Promise<void> {
    return this.update((entries) => {
      delete entries[key];
      return Promise.resolve();
    });
  }

  private update(change: (entries: Record<string, string>) => Promise<void>): Promise<void> {
    const next = this.queue.then(async () => {
      const entries = await this.read();
      await change(entries);
      await mkdir(path.dirname(this.file), { recursive: true });
      const temp = `${this.file}.${process.pid}.tmp`;
      await writeFile(temp, JSON.stringify(entries, null, 2), { mode: 0o600 });
      await rename(temp, this.file);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async read(): Promise<Record<string, string>> {
    const text = await readFile(this.file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '{}';
      throw error;
    });
    return JSON.parse(text) as Record<string, string>;
  }
}
