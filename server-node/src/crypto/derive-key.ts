import { hkdfSync } from 'node:crypto';

export type KeyPurpose = 'sessions' | 'secrets';

/**
 * One master key, a separate subkey per use (HKDF-SHA256): a session MAC can never be mistaken for
 * an encryption key, and rotating one use later does not disturb the other.
 */
export function deriveKey(masterKey: string, purpose: KeyPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(masterKey, 'base64'), '', `flotilla:${purpose}:v1`, 32));
}
