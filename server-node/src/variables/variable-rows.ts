import type { VariableDto } from '../api/index.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Db } from '../sql/db.js';

interface DbVariable {
  id: string;
  project_id: string;
  environment_id: string | null;
  name: string;
  sensitive: boolean;
  value: string;
}

export const VARIABLE_CONTEXT = 'variable';
const COLUMNS = `id::text, project_id::text, environment_id::text, name, sensitive, value`;

/** Sensitive values never leave the server through the API: the DTO carries null instead. */
function toDto(row: DbVariable): VariableDto {
  return {
    id: row.id,
    projectId: row.project_id,
    environmentId: row.environment_id,
    name: row.name,
    sensitive: row.sensitive,
    value: row.sensitive ? null : row.value,
  };
}

export async function upsertVariable(
  db: Db,
  secrets: SecretBox,
  variable: {
    projectId: string;
    environmentId: string | null;
    name: string;
    value: string;
    sensitive: boolean;
  },
): Promise<VariableDto> {
  const stored = variable.sensitive ? secrets.encrypt(variable.value, VARIABLE_CONTEXT) : variable.value;
  const result = await db.query<DbVariable>(
    `insert into variables (project_id, environment_id, name, sensitive, value) values ($1, $2, $3, $4, $5)
     on conflict (project_id, name, coalesce(environment_id, '00000000-0000-0000-0000-000000000000'::uuid))
     do update set sensitive = excluded.sensitive, value = excluded.value
     returning ${COLUMNS}`,
    [variable.projectId, variable.environmentId, variable.name, variable.sensitive, stored],
  );
  return toDto(result.rows[0]!);
}

export async function listVariables(db: Db, projectId: string): Promise<VariableDto[]> {
  const result = await db.query<DbVariable>(
    `select ${COLUMNS} from variables where project_id = $1 order by name, environment_id nulls first`,
    [projectId],
  );
  return result.rows.map(toDto);
}

export async function deleteVariable(db: Db, projectId: string, id: string): Promise<VariableDto | null> {
  const result = await db.query<DbVariable>(
    `delete from variables where project_id = $1 and id = $2 returning ${COLUMNS}`,
    [projectId, id],
  );
  return result.rows[0] ? toDto(result.rows[0]) : null;
}

export interface ResolvedVariable {
  value: string;
  sensitive: boolean;
}

/** The values a deployment sees: an environment's own value wins over the project-wide one. */
export async function resolveVariables(
  db: Db,
  secrets: SecretBox,
  projectId: string,
  environmentId: string,
): Promise<Map<string, ResolvedVariable>> {
  const result = await db.query<DbVariable>(
    `select ${COLUMNS} from variables where project_id = $1 and (environment_id is null or environment_id = $2)
     order by environment_id nulls first`,
    [projectId, environmentId],
  );
  const resolved = new Map<string, ResolvedVariable>();
  for (const row of result.rows) {
    resolved.set(row.name, {
      sensitive: row.sensitive,
      value: row.sensitive ? secrets.decrypt(row.value, VARIABLE_CONTEXT) : row.value,
    });
  }
  return resolved;
}
