import type { DomainHandlers } from '../../common/contract.js';
import { UserError } from '../../common/user-error.js';
import { TaskLogFollower } from '../cluster-client/task-log-follower.js';
import type { ConsoleContext } from './console-context.js';

/** The active cluster's tasks, and the live logs the UI follows (pushed as they are written). */
export function taskHandlers({ session, push }: ConsoleContext): DomainHandlers<'tasks'> {
  return {
    'tasks:list': (filter) =>
      session.act(({ api }) => api.listTasks({ ...filter, limit: filter.limit ?? 200 }), false),
    'tasks:get': (id) => session.act(({ api }) => api.getTask(id), false),
    'tasks:create': (task) => session.act(({ api }) => api.createTask(task)),
    'tasks:cancel': (id) => session.act(async ({ api }) => (await api.cancelTask(id)).task),
    'tasks:retry': (id) => session.act(({ api }) => api.retryTask(id)),
    'tasks:log': (id) => session.act(({ api }) => api.taskLog(id), false),
    'tasks:followLog': (id) => {
      const current = session.current;
      if (!current) return Promise.reject(new UserError('No cluster is selected.'));
      if (current.followers.has(id)) return Promise.resolve(null);
      const clusterId = current.cluster.id;
      const follower = new TaskLogFollower({
        api: current.api,
        taskId: id,
        onText: (text) => push('tasks:logChunk', { clusterId, taskId: id, text, done: false }),
        onEnd: (error) => {
          current.followers.delete(id);
          const text = error ? `\n[console] log stream ended: ${error.message}\n` : '';
          push('tasks:logChunk', { clusterId, taskId: id, text, done: error === null });
        },
      });
      current.followers.set(id, follower);
      follower.start();
      return Promise.resolve(null);
    },
    'tasks:unfollowLog': (id) => {
      session.current?.followers.get(id)?.stop();
      session.current?.followers.delete(id);
      return Promise.resolve(null);
    },
  };
}
