import type { DomainHandlers } from '../../common/contract.js';
import { TASK_IDS_MAX, TASK_LIST_MAX, type TaskDto } from '@flotilla/server-node/api';
import { INVOKE, PUSH, TASK_LIST_LIMIT } from '../../common/contract.js';
import { compareTaskIds } from '../../common/task-list-patch.js';
import { followLog, unfollowLog } from './follow-log.js';
import type { ConsoleContext } from './console-context.js';

/** The active cluster's tasks, and the live logs the UI follows (pushed as they are written). */
export function taskHandlers({ session, push }: ConsoleContext): DomainHandlers<'tasks'> {
  return {
    [INVOKE.tasks.list]: (filter) =>
      session.act(async ({ api }) => {
        if (!filter.ids) {
          return api.listTasks({
            ...filter,
            limit: Math.min(filter.limit ?? TASK_LIST_LIMIT, TASK_LIST_MAX),
          });
        }
        // Named tasks: as many requests as the server's cap per request needs, newest first as always.
        const found: TaskDto[] = [];
        for (let i = 0; i < filter.ids.length; i += TASK_IDS_MAX) {
          const ids = filter.ids.slice(i, i + TASK_IDS_MAX);
          found.push(...(await api.listTasks({ ...filter, ids, limit: ids.length })));
        }
        return found.sort((a, b) => compareTaskIds(b.id, a.id));
      }, false),
    [INVOKE.tasks.get]: (id) => session.act(({ api }) => api.getTask(id), false),
    [INVOKE.tasks.add]: (task) => session.act(({ api }) => api.createTask(task)),
    [INVOKE.tasks.cancel]: (id) => session.act(async ({ api }) => (await api.cancelTask(id)).task),
    [INVOKE.tasks.retry]: (id) => session.act(({ api }) => api.retryTask(id)),
    [INVOKE.tasks.getLog]: (id) => session.act(({ api }) => api.taskLog(id), false),
    [INVOKE.tasks.followLog]: (id) =>
      followLog(
        session,
        id,
        (api, signal) => api.followTaskLog(id, signal),
        (clusterId, text, done) => push(PUSH.tasks.logChunk, { clusterId, taskId: id, text, done }),
      ),
    [INVOKE.tasks.unfollowLog]: (id) => unfollowLog(session, id),
  };
}
