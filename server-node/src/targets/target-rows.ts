import type { TargetDto, TargetHealthDto } from '../api/index.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Db } from '../sql/db.js';

export interface DbTarget {
  id: string;
  name: string;
  environment_id: string;
  kind: 'ssh' | 'node';
  roles: string[];
  deploy_root: string;
  host: string | null;
  port: number | null;
  username: string | null;
  auth_kind: 'key' | 'password' | null;
  auth_secret: string | null;
  host_key_fingerprint: string | null;
  health: TargetHealthDto | null;
  created_at: Date;
}

/** An SSH target's credentials, as stored (sealed) in auth_secret. */
export type TargetAuth =
  | { kind: 'key'; privateKey: string; passphrase?: string | undefined }
  | { kind: 'password'; password: string };

export const TARGET_AUTH_CONTEXT = 'target-auth';

const COLUMNS = `id::text, name, environment_id::text, kind, roles, deploy_root, host, port, username, auth_kind,
  auth_secret, host_key_fingerprint, health, created_at`;

export function toTargetDto(row: DbTarget): TargetDto {
  return {
    id: row.id,
    name: row.name,
    environmentId: row.environment_id,
    kind: row.kind,
    roles: row.roles,
    deployRoot: row.deploy_root,
    host: row.host,
    port: row.port,
    username: row.username,
    authKind: row.auth_kind,
    hasSecret: row.auth_secret !== null,
    hostKeyFingerprint: row.host_key_fingerprint,
    health: row.health,
    createdAt: row.created_at.toISOString(),
  };
}

export function openTargetAuth(secrets: SecretBox, row: DbTarget): TargetAuth | null {
  if (!row.auth_secret) return null;
  return JSON.parse(secrets.decrypt(row.auth_secret, TARGET_AUTH_CONTEXT)) as TargetAuth;
}

export interface TargetFields {
  name: string;
  environmentId: string;
  kind: 'ssh' | 'node';
  roles: string[];
  deployRoot: string;
  host: string | null;
  port: number | null;
  username: string | null;
  authKind: 'key' | 'password' | null;
  authSecret: string | null;
  hostKeyFingerprint: string | null;
}

/** The column values insert ($1..$11) and replace ($2..$12) write, in the same order. */
function targetValues(target: TargetFields): unknown[] {
  return [
    target.name,
    target.environmentId,
    target.kind,
    target.roles,
    target.deployRoot,
    target.host,
    target.port,
    target.username,
    target.authKind,
    target.authSecret,
    target.hostKeyFingerprint,
  ];
}

export async function insertTarget(db: Db, target: TargetFields): Promise<DbTarget | 'name-taken'> {
  try {
    const result = await db.query<DbTarget>(
      `insert into targets (name, environment_id, kind, roles, deploy_root, host, port, username, auth_kind,
         auth_secret, host_key_fingerprint)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning ${COLUMNS}`,
      targetValues(target),
    );
    return result.rows[0]!;
  } catch (error) {
    if ((error as { code?: string }).code === '23505') return 'name-taken';
    throw error;
  }
}

export async function replaceTarget(
  db: Db,
  id: string,
  target: TargetFields,
): Promise<DbTarget | 'name-taken' | null> {
  try {
    const result = await db.query<DbTarget>(
      `update targets set name = $2, environment_id = $3, kind = $4, roles = $5, deploy_root = $6, host = $7,
         port = $8, username = $9, auth_kind = $10, auth_secret = $11, host_key_fingerprint = $12
       where id = $1 returning ${COLUMNS}`,
      [id, ...targetValues(target)],
    );
    return result.rows[0] ?? null;
  } catch (error) {
    if ((error as { code?: string }).code === '23505') return 'name-taken';
    throw error;
  }
}

export async function listTargets(db: Db, environmentId: string | null): Promise<DbTarget[]> {
  const result = await db.query<DbTarget>(
    `select ${COLUMNS} from targets where ($1::uuid is null or environment_id = $1) order by name`,
    [environmentId],
  );
  return result.rows;
}

export async function getTarget(db: Db, id: string): Promise<DbTarget | null> {
  return (await db.query<DbTarget>(`select ${COLUMNS} from targets where id = $1`, [id])).rows[0] ?? null;
}

export async function deleteTarget(db: Db, id: string): Promise<boolean> {
  return ((await db.query(`delete from targets where id = $1`, [id])).rowCount ?? 0) === 1;
}

export async function recordTargetHealth(db: Db, id: string, health: TargetHealthDto): Promise<void> {
  await db.query(`update targets set health = $2 where id = $1`, [id, JSON.stringify(health)]);
}
