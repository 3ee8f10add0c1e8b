import type { EnvironmentDto } from '../api/index.js';
import type { Db } from '../sql/db.js';

interface DbEnvironment {
  id: string;
  name: string;
  sort_order: number;
  created_at: Date;
}

const COLUMNS = `id::text, name, sort_order, created_at`;

function toDto(row: DbEnvironment): EnvironmentDto {
  return { id: row.id, name: row.name, sortOrder: row.sort_order, createdAt: row.created_at.toISOString() };
}

export async function insertEnvironment(
  db: Db,
  environment: { name: string; sortOrder: number },
): Promise<EnvironmentDto | null> {
  const result = await db.query<DbEnvironment>(
    `insert into environments (name, sort_order) values ($1, $2) on conflict (name) do nothing returning ${COLUMNS}`,
    [environment.name, environment.sortOrder],
  );
  return result.rows[0] ? toDto(result.rows[0]) : null;
}

export async function listEnvironments(db: Db): Promise<EnvironmentDto[]> {
  return (
    await db.query<DbEnvironment>(`select ${COLUMNS} from environments order by sort_order, name`)
  ).rows.map(toDto);
}

export async function getEnvironment(db: Db, id: string): Promise<EnvironmentDto | null> {
  const result = await db.query<DbEnvironment>(`select ${COLUMNS} from environments where id = $1`, [id]);
  return result.rows[0] ? toDto(result.rows[0]) : null;
}

export async function updateEnvironment(
  db: Db,
  id: string,
  change: { name?: string | undefined; sortOrder?: number | undefined },
): Promise<EnvironmentDto | 'not-found' | 'name-taken'> {
  try {
    const result = await db.query<DbEnvironment>(
      `update environments set name = coalesce($2, name), sort_order = coalesce($3, sort_order)
       where id = $1 returning ${COLUMNS}`,
      [id, change.name ?? null, change.sortOrder ?? null],
    );
    return result.rows[0] ? toDto(result.rows[0]) : 'not-found';
  } catch (error) {
    if ((error as { code?: string }).code === '23505') return 'name-taken';
    throw error;
  }
}

export async function deleteEnvironment(db: Db, id: string): Promise<boolean> {
  return ((await db.query(`delete from environments where id = $1`, [id])).rowCount ?? 0) === 1;
}
