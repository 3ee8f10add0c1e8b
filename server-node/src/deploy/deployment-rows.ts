import { randomUUID } from 'node:crypto';
import type { DeploymentDto, DeploymentStepRunDto } from '../api/index.js';
import type { Db } from '../sql/db.js';
import { queueTasksCte } from '../sql/queue-tasks.js';

interface DbDeployment {
  id: string;
  release_id: string;
  release_version: string;
  project_id: string;
  project_name: string;
  environment_id: string;
  environment_name: string;
  task_id: string;
  state: DeploymentDto['state'];
  error: string | null;
  created_at: Date;
  created_by: string;
  finished_at: Date | null;
}

const SELECT = `select d.id::text, d.release_id::text, r.version as release_version, p.id::text as project_id,
    p.name as project_name, e.id::text as environment_id, e.name as environment_name, d.task_id::text,
    t.state, t.error, d.created_at, d.created_by, t.finished_at
  from deployments d join releases r on r.id = d.release_id join projects p on p.id = r.project_id
  join environments e on e.id = d.environment_id join tasks t on t.id = d.task_id`;

function toDto(row: DbDeployment): DeploymentDto {
  return {
    id: row.id,
    releaseId: row.release_id,
    releaseVersion: row.release_version,
    projectId: row.project_id,
    projectName: row.project_name,
    environmentId: row.environment_id,
    environmentName: row.environment_name,
    taskId: row.task_id,
    state: row.state,
    error: row.error,
    createdAt: row.created_at.toISOString(),
    createdBy: row.created_by,
    finishedAt: row.finished_at?.toISOString() ?? null,
  };
}

/** The deployment and its `deploy` task, queued in one statement. */
export async function insertDeployment(
  db: Db,
  deployment: { releaseId: string; environmentId: string; createdBy: string; description: string },
): Promise<{ id: string; taskId: string }> {
  const id = randomUUID();
  const result = await db.query<{ task_id: string }>(
    `with ${queueTasksCte(
      `values ('deploy', jsonb_build_object('deploymentId', $1::text), $5)`,
      `jsonb_build_object('deploymentId', args->>'deploymentId')`,
    )},
     dep as (insert into deployments (id, release_id, environment_id, task_id, created_by)
             select $1::uuid, $2::uuid, $3::uuid, id, $4 from task returning task_id)
     select task_id::text from dep`,
    [id, deployment.releaseId, deployment.environmentId, deployment.createdBy, deployment.description],
  );
  return { id, taskId: result.rows[0]!.task_id };
}

export async function listDeployments(
  db: Db,
  filter: { projectId?: string | undefined; environmentId?: string | undefined; limit: number },
): Promise<DeploymentDto[]> {
  const result = await db.query<DbDeployment>(
    `${SELECT} where ($1::uuid is null or p.id = $1) and ($2::uuid is null or e.id = $2)
     order by d.created_at desc limit $3`,
    [filter.projectId ?? null, filter.environmentId ?? null, filter.limit],
  );
  return result.rows.map(toDto);
}

export async function getDeployment(db: Db, id: string): Promise<DeploymentDto | null> {
  const result = await db.query<DbDeployment>(`${SELECT} where d.id = $1`, [id]);
  return result.rows[0] ? toDto(result.rows[0]) : null;
}

export async function getDeploymentByTask(db: Db, taskId: string): Promise<DeploymentDto | null> {
  const result = await db.query<DbDeployment>(`${SELECT} where d.task_id = $1`, [taskId]);
  return result.rows[0] ? toDto(result.rows[0]) : null;
}

/** The newest deployment of every project to every environment, for the dashboard. */
export async function latestDeployments(db: Db): Promise<DeploymentDto[]> {
  const result = await db.query<DbDeployment>(
    `select * from (${SELECT}) latest
     where (project_id, environment_id, created_at) in (
       select r.project_id::text, d.environment_id::text, max(d.created_at)
       from deployments d join releases r on r.id = d.release_id group by 1, 2)`,
  );
  return result.rows.map(toDto);
}

export async function listStepRuns(db: Db, deploymentId: string): Promise<DeploymentStepRunDto[]> {
  const result = await db.query<{
    step_index: number;
    step_name: string;
    target: string;
    node: string;
    attempt: number;
    started_at: Date;
    finished_at: Date | null;
    outcome: DeploymentStepRunDto['outcome'];
  }>(
    `select s.step_index, s.step_name, s.target, s.node, s.attempt, s.started_at, s.finished_at,
       -- A run still open after its attempt ended was cut short by the loss of its node.
       case when s.outcome = 'running' and a.outcome is distinct from 'running' then 'interrupted' else s.outcome end as outcome
     from deployment_steps s join deployments d on d.id = s.deployment_id
     left join task_attempts a on a.task_id = d.task_id and a.attempt = s.attempt
     where s.deployment_id = $1 order by s.id`,
    [deploymentId],
  );
  return result.rows.map((row) => ({
    stepIndex: row.step_index,
    stepName: row.step_name,
    target: row.target,
    node: row.node,
    attempt: row.attempt,
    startedAt: row.started_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
    outcome: row.outcome,
  }));
}
