import type { UserDto } from '../api/index.js';
import type { Db } from '../sql/db.js';
import type { Role } from '../api/roles.js';

export interface DbUser {
  id: string;
  username: string;
  password_hash: string;
  role: Role;
  disabled: boolean;
  created_at: Date;
  /** Set for a directory user's shadow row: only the directory signs them in. */
  directory_dn: string | null;
}

export function toUserDto(row: DbUser): UserDto {
  return {
    id: row.id,
    username: row.username,
    role: row.role,
    disabled: row.disabled,
    createdAt: row.created_at.toISOString(),
  };
}

const COLUMNS = `id::text, username, password_hash, role, disabled, created_at, directory_dn`;

export async function insertUser(
  db: Db,
  user: { username: string; passwordHash: string; role: Role },
): Promise<DbUser | null> {
  const result = await db.query<DbUser>(
    `insert into users (username, password_hash, role) values ($1, $2, $3)
     on conflict (username) do nothing returning ${COLUMNS}`,
    [user.username, user.passwordHash, user.role],
  );
  return result.rows[0] ?? null;
}

export async function findUserByName(db: Db, username: string): Promise<DbUser | null> {
  const result = await db.query<DbUser>(`select ${COLUMNS} from users where username = $1`, [username]);
  return result.rows[0] ?? null;
}

export async function getUser(db: Db, id: string): Promise<DbUser | null> {
  const result = await db.query<DbUser>(`select ${COLUMNS} from users where id = $1`, [id]);
  return result.rows[0] ?? null;
}

export async function listUsers(db: Db): Promise<DbUser[]> {
  return (await db.query<DbUser>(`select ${COLUMNS} from users order by username`)).rows;
}

export async function updateUser(
  db: Db,
  id: string,
  change: { role?: Role | undefined; passwordHash?: string | undefined; disabled?: boolean | undefined },
): Promise<DbUser | null> {
  const result = await db.query<DbUser>(
    `update users set role = coalesce($2, role), password_hash = coalesce($3, password_hash),
       disabled = coalesce($4, disabled)
     where id = $1 returning ${COLUMNS}`,
    [id, change.role ?? null, change.passwordHash ?? null, change.disabled ?? null],
  );
  // A new password or a disabled account ends every session of that user.
  if (result.rows[0] && (change.passwordHash || change.disabled))
    await db.query(`delete from sessions where user_id = $1`, [id]);
  return result.rows[0] ?? null;
}

export async function deleteUser(db: Db, id: string): Promise<boolean> {
  return ((await db.query(`delete from users where id = $1`, [id])).rowCount ?? 0) === 1;
}

/** How many enabled local administrators there are besides `exceptId`: the last one may not be removed. */
export async function countOtherAdministrators(db: Db, exceptId: string): Promise<number> {
  const result = await db.query<{ n: number }>(
    `select count(*)::int as n from users
     where role = 'administrator' and not disabled and directory_dn is null and id <> $1`,
    [exceptId],
  );
  return result.rows[0]?.n ?? 0;
}
