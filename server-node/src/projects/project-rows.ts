import type { ProjectDto, StepDto } from '../api/index.js';
import type { Db } from '../sql/db.js';

interface DbProject {
  id: string;
  name: string;
  description: string;
  process: StepDto[];
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id::text, name, description, process, created_at, updated_at`;

function toDto(row: DbProject): ProjectDto {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    process: row.process,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export async function insertProject(
  db: Db,
  project: { name: string; description: string; process: StepDto[] },
): Promise<ProjectDto | null> {
  const result = await db.query<DbProject>(
    `insert into projects (name, description, process) values ($1, $2, $3)
     on conflict (name) do nothing returning ${COLUMNS}`,
    [project.name, project.description, JSON.stringify(project.process)],
  );
  return result.rows[0] ? toDto(result.rows[0]) : null;
}

export async function listProjects(db: Db): Promise<ProjectDto[]> {
  return (await db.query<DbProject>(`select ${COLUMNS} from projects order by name`)).rows.map(toDto);
}

export async function getProject(db: Db, id: string): Promise<ProjectDto | null> {
  const result = await db.query<DbProject>(`select ${COLUMNS} from projects where id = $1`, [id]);
  return result.rows[0] ? toDto(result.rows[0]) : null;
}

export type UpdateProjectResult = ProjectDto | 'not-found' | 'name-taken';

export async function updateProject(
  db: Db,
  id: string,
  change: { name?: string | undefined; description?: string | undefined; process?: StepDto[] | undefined },
): Promise<UpdateProjectResult> {
  try {
    const result = await db.query<DbProject>(
      `update projects set name = coalesce($2, name), description = coalesce($3, description),
         process = coalesce($4, process), updated_at = now()
       where id = $1 returning ${COLUMNS}`,
      [
        id,
        change.name ?? null,
        change.description ?? null,
        change.process ? JSON.stringify(change.process) : null,
      ],
    );
    return result.rows[0] ? toDto(result.rows[0]) : 'not-found';
  } catch (error) {
    if ((error as { code?: string }).code === '23505') return 'name-taken';
    throw error;
  }
}

export async function deleteProject(db: Db, id: string): Promise<boolean> {
  return ((await db.query(`delete from projects where id = $1`, [id])).rowCount ?? 0) === 1;
}
