/**
 * Where the console keeps secrets (cluster API keys, later SSH keys and passwords): one interface,
 * Electron's safeStorage in the app, an encrypted file in the web host.
 */
export interface Vault {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/** Turns a secret into bytes only this machine (or this user) can turn back. */
export interface SecretCipher {
  encrypt(plain: string): Promise<Buffer>;
  decrypt(sealed: Buffer): Promise<string>;
}
