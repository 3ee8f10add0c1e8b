import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

// The master key encrypts sensitive values and signs sessions, so every node must hold the same one.
// The database keeps only a check value (an HMAC over the cluster id), never the key.

export function generateMasterKey(): string {
  return randomBytes(32).toString('base64');
}

export function isWellFormedMasterKey(key: string): boolean {
  return Buffer.from(key, 'base64').length === 32;
}

export function masterKeyCheck(masterKey: string, clusterId: string): string {
  return createHmac('sha256', Buffer.from(masterKey, 'base64'))
    .update(`flotilla-master-key-check:${clusterId}`)
    .digest('hex');
}

export function masterKeyMatches(masterKey: string, clusterId: string, storedCheck: string): boolean {
  const actual = Buffer.from(masterKeyCheck(masterKey, clusterId), 'hex');
  const expected = Buffer.from(storedCheck, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
