import type { ApiKeyDto } from '../api/index.js';
import { hashApiKey } from '../sql/api-keys.js';
import type { Db } from '../sql/db.js';
import type { Role } from '../api/roles.js';

/** Who an API key acts as. A key from before users existed (no user) is a legacy administrator key. */
export interface KeyOwner {
  keyId: string;
  keyName: string;
  userId: string | null;
  username: string | null;
  role: Role;
}

export async function findKeyOwner(db: Db, key: string): Promise<KeyOwner | null> {
  const result = await db.query<{
    key_id: string;
    key_name: string;
    user_id: string | null;
    username: string | null;
    role: Role | null;
    disabled: boolean | null;
  }>(
    `with touched as (update api_keys set last_used_at = now() where key_hash = $1
                      and (last_used_at is null or last_used_at < now() - interval '1 minute'))
     select k.id::text as key_id, k.name as key_name, u.id::text as user_id, u.username, u.role,
       (u.disabled or u.directory_refused) as disabled
     from api_keys k left join users u on u.id = k.user_id where k.key_hash = $1`,
    [hashApiKey(key)],
  );
  const row = result.rows[0];
  if (!row || row.disabled) return null;
  return {
    keyId: row.key_id,
    keyName: row.key_name,
    userId: row.user_id,
    username: row.username,
    role: row.role ?? 'administrator',
  };
}

export async function insertUserApiKey(db: Db, userId: string, name: string, key: string): Promise<string> {
  const result = await db.query<{ id: string }>(
    `insert into api_keys (name, key_hash, user_id) values ($1, $2, $3) returning id::text`,
    [name, hashApiKey(key), userId],
  );
  return result.rows[0]!.id;
}

export async function listUserApiKeys(db: Db, userId: string): Promise<ApiKeyDto[]> {
  const result = await db.query<{ id: string; name: string; created_at: Date; last_used_at: Date | null }>(
    `select id::text, name, created_at, last_used_at from api_keys where user_id = $1 order by created_at`,
    [userId],
  );
  return result.rows.map((row) => ({
    id: row.id,
    name: row.name,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
  }));
}

export async function deleteUserApiKey(db: Db, userId: string, keyId: string): Promise<boolean> {
  const result = await db.query(`delete from api_keys where id = $1 and user_id = $2`, [keyId, userId]);
  return (result.rowCount ?? 0) === 1;
}

/** Gives keys created before users existed (init's administrator key) to the bootstrap administrator. */
export async function adoptOwnerlessKeys(db: Db, userId: string): Promise<void> {
  await db.query(`update api_keys set user_id = $1 where user_id is null`, [userId]);
}
