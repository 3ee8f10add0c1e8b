import { createHash, randomBytes } from 'node:crypto';
import type { Db } from './db.js';

// API keys are random 32-byte secrets; only their SHA-256 is stored, so a database dump
// does not hand out working keys.

export function generateApiKey(): string {
  return 'flt_' + randomBytes(32).toString('base64url');
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export async function insertApiKey(db: Db, name: string, key: string): Promise<void> {
  await db.query(`insert into api_keys (name, key_hash) values ($1, $2)`, [name, hashApiKey(key)]);
}
