import { safeStorage } from 'electron';
import type { SecretCipher } from '../services/vault/vault.js';

/** Secrets sealed by the OS (DPAPI on Windows, the keyring on Linux, the Keychain on macOS). */
export class SafeStorageCipher implements SecretCipher {
  encrypt(plain: string): Promise<Buffer> {
    return Promise.resolve(safeStorage.encryptString(plain));
  }

  decrypt(sealed: Buffer): Promise<string> {
    return Promise.resolve(safeStorage.decryptString(sealed));
  }
}
