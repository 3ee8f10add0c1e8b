import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  TASKS_PATH,
  TASK_CANCEL_ROUTE,
  TASK_LOG_ROUTE,
  TASK_RETRY_ROUTE,
  TASK_ROUTE,
  TASK_IDS_MAX,
  TASK_LIST_MAX,
  type CancelTaskResultDto,
  type CreateTaskRequest,
  type CreateTaskResultDto,
  type TaskDetailDto,
} from '../../api/index.js';
import { cancelTask, getTask, insertTask, listAttempts, listTasks, retryTask } from '../../sql/task-rows.js';
import { readTaskLog } from '../../tasks/task-log.js';
import { TASK_KINDS } from '../../tasks/task-kinds.js';
import { audit } from '../../audit/audit.js';
import { HttpError, parseOr400 } from '../http-error.js';
import type { RouteContext } from '../route-context.js';
import { streamText } from '../stream-text.js';
import { ACTION_ROLES } from '../../api/roles.js';

const taskState = z.enum(['queued', 'executing', 'succeeded', 'failed', 'canceled']);
const createTaskBody = z
  .object({
    kind: z.string().min(1),
    args: z.record(z.string(), z.unknown()).optional(),
    description: z.string().max(500).optional(),
  })
  .strict() satisfies z.ZodType<CreateTaskRequest>;
const listQuery = z
  .object({
    state: taskState.optional(),
    node: z.string().min(1).optional(),
    kind: z.string().min(1).optional(),
    ids: z
      .string()
      .regex(/^\d{1,18}(,\d{1,18})*$/, 'ids must be task ids separated by commas')
      .transform((text) => [...new Set(text.split(','))])
      .refine((ids) => ids.length <= TASK_IDS_MAX, `at most ${TASK_IDS_MAX} ids`)
      .optional(),
    limit: z.coerce.number().int().min(1).max(TASK_LIST_MAX).default(100),
  })
  .strict();
const taskParams = z.object({ id: z.string().regex(/^\d{1,18}$/, 'task id must be a number') });
const logQuery = z.object({ follow: z.enum(['0', '1', 'true', 'false']).optional() }).strict();

export function taskRoutes(app: FastifyInstance, { runtime }: RouteContext): void {
  const db = runtime.pool;

  // Each caller sees a task's args only if its role may read that kind's (TaskKind.argsRole).
  const taskOr404 = async (request: FastifyRequest, id: string) => {
    const task = await getTask(db, id, request.principal?.role ?? 'viewer');
    if (!task) throw new HttpError(404, `No task ${id}.`);
    return task;
  };

  // Any kind, scripts included, runs code on the nodes: administrators only.
  app.post(TASKS_PATH, { config: { role: ACTION_ROLES['tasks.add'] } }, async (request, reply) => {
    const body = parseOr400(createTaskBody, request.body, 'request body');
    const kind = TASK_KINDS.get(body.kind);
    if (!kind) {
      throw new HttpError(400, `Invalid request body: kind: unknown task kind '${body.kind}'`, [
        { path: 'kind', message: `unknown task kind; known: ${[...TASK_KINDS.keys()].join(', ')}` },
      ]);
    }
    // These kinds keep invariants of their own (a deployment row; one retention at a time).
    const ownRoute = (
      { deploy: 'POST /api/deployments', retention: 'POST /api/retention/run' } as Record<string, string>
    )[kind.name];
    if (ownRoute) {
      throw new HttpError(400, `Invalid request body: kind: ${kind.name} tasks are queued with ${ownRoute}`, [
        { path: 'kind', message: `use ${ownRoute}` },
      ]);
    }
    const args = parseOr400(kind.argsSchema, body.args ?? {}, `args for a '${body.kind}' task`);
    const id = await insertTask(db, {
      kind: body.kind,
      args: args,
      description: body.description ?? null,
    });
    audit(request, 'task.create', id, { kind: body.kind });
    return reply.status(201).send({ id } satisfies CreateTaskResultDto);
  });

  app.get(TASKS_PATH, { config: { role: 'viewer' } }, async (request) =>
    listTasks(db, parseOr400(listQuery, request.query, 'query'), request.principal?.role ?? 'viewer'),
  );

  app.get(TASK_ROUTE, { config: { role: 'viewer' } }, async (request): Promise<TaskDetailDto> => {
    const { id } = parseOr400(taskParams, request.params, 'path');
    const task = await taskOr404(request, id);
    return { ...task, attemptsDetail: await listAttempts(db, id) };
  });

  app.post(TASK_CANCEL_ROUTE, { config: { role: ACTION_ROLES['tasks.cancel'] } }, async (request) => {
    const { id } = parseOr400(taskParams, request.params, 'path');
    const outcome = await cancelTask(db, id, request.caller);
    if (outcome === 'not-found') throw new HttpError(404, `No task ${id}.`);
    if (outcome === 'already-finished') throw new HttpError(409, `Task ${id} has already finished.`);
    audit(request, 'task.cancel', id);
    return { outcome, task: await taskOr404(request, id) } satisfies CancelTaskResultDto;
  });

  app.post(TASK_RETRY_ROUTE, { config: { role: ACTION_ROLES['tasks.retry'] } }, async (request) => {
    const { id } = parseOr400(taskParams, request.params, 'path');
    const outcome = await retryTask(db, id, request.caller);
    if (outcome === 'not-found') throw new HttpError(404, `No task ${id}.`);
    if (outcome === 'succeeded') throw new HttpError(409, `Task ${id} succeeded; queue a new task instead.`);
    if (outcome === 'not-finished') throw new HttpError(409, `Task ${id} has not finished; cancel it first.`);
    audit(request, 'task.retry', id);
    return taskOr404(request, id);
  });

  app.get(TASK_LOG_ROUTE, { config: { role: 'viewer' } }, async (request, reply) => {
    const { id } = parseOr400(taskParams, request.params, 'path');
    const { follow } = parseOr400(logQuery, request.query, 'query');
    await taskOr404(request, id);
    const following = follow === '1' || follow === 'true';
    if (!following) {
      const chunks: Buffer[] = [];
      for await (const chunk of readTaskLog(db, runtime.sharedDir, id, { follow: false })) chunks.push(chunk);
      return reply.type('text/plain; charset=utf-8').send(Buffer.concat(chunks));
    }
    await streamText(request, reply, runtime.name, (signal) =>
      readTaskLog(db, runtime.sharedDir, id, { follow: true, signal }),
    );
  });
}
