import type { ReleaseDto, StepDto } from '../api/index.js';
import type { Db } from '../sql/db.js';

interface DbRelease {
  id: string;
  project_id: string;
  version: string;
  notes: string;
  process: StepDto[];
  packages: Record<string, string>;
  created_at: Date;
  created_by: string;
}

const COLUMNS = `id::text, project_id::text, version, notes, process, packages, created_at, created_by`;

function toDto(row: DbRelease): ReleaseDto {
  return {
    id: row.id,
    projectId: row.project_id,
    version: row.version,
    notes: row.notes,
    process: row.process,
    packages: row.packages,
    createdAt: row.created_at.toISOString(),
    createdBy: row.created_by,
  };
}

export async function insertRelease(
  db: Db,
  release: {
    projectId: string;
    version: string;
    notes: string;
    process: StepDto[];
    packages: Record<string, string>;
    createdBy: string;
  },
): Promise<ReleaseDto | null> {
  const result = await db.query<DbRelease>(
    `insert into releases (project_id, version, notes, process, packages, created_by) values ($1, $2, $3, $4, $5, $6)
     on conflict (project_id, version) do nothing returning ${COLUMNS}`,
    [
      release.projectId,
      release.version,
      release.notes,
      JSON.stringify(release.process),
      JSON.stringify(release.packages),
      release.createdBy,
    ],
  );
  return result.rows[0] ? toDto(result.rows[0]) : null;
}

export async function listReleases(db: Db, projectId: string, limit = 100): Promise<ReleaseDto[]> {
  const result = await db.query<DbRelease>(
    `select ${COLUMNS} from releases where project_id = $1 order by created_at desc limit $2`,
    [projectId, limit],
  );
  return result.rows.map(toDto);
}

export async function getRelease(db: Db, id: string): Promise<ReleaseDto | null> {
  const result = await db.query<DbRelease>(`select ${COLUMNS} from releases where id = $1`, [id]);
  return result.rows[0] ? toDto(result.rows[0]) : null;
}

export async function deleteRelease(db: Db, id: string): Promise<boolean> {
  return ((await db.query(`delete from releases where id = $1`, [id])).rowCount ?? 0) === 1;
}
