import type { DomainHandlers } from '../../common/contract.js';
import { INVOKE, PUSH } from '../../common/contract.js';
import { UserError } from '../../common/user-error.js';
import { TaskLogFollower } from '../cluster-client/task-log-follower.js';
import type { ConsoleContext } from './console-context.js';

/** The active cluster's tasks, and the live logs the UI follows (pushed as they are written). */
export function taskHandlers({ session, push }: ConsoleContext): DomainHandlers<'tasks'> {
  return {
    [INVOKE.tasks.list]: (filter) =>
      session.act(({ api }) => api.listTasks({ ...filter, limit: filter.limit ?? 200 }), false),
    [INVOKE.tasks.get]: (id) => session.act(({ api }) => api.getTask(id), false),
    [INVOKE.tasks.add]: (task) => session.act(({ api }) => api.createTask(task)),
    [INVOKE.tasks.cancel]: (id) => session.act(async ({ api }) => (await api.cancelTask(id)).task),
    [INVOKE.tasks.retry]: (id) => session.act(({ api }) => api.retryTask(id)),
    [INVOKE.tasks.getLog]: (id) => session.act(({ api }) => api.taskLog(id), false),
    [INVOKE.tasks.followLog]: (id) => {
      const current = session.current;
      if (!current) return Promise.reject(new UserError('No cluster is selected.'));
      if (current.followers.has(id)) return Promise.resolve(null);
      const clusterId = current.cluster.id;
      const follower = new TaskLogFollower({
        api: current.api,
        taskId: id,
        onText: (text) => push(PUSH.tasks.logChunk, { clusterId, taskId: id, text, done: false }),
        onEnd: (error) => {
          current.followers.delete(id);
          const text = error ? `\n[console] log stream ended: ${error.message}\n` : '';
          push(PUSH.tasks.logChunk, { clusterId, taskId: id, text, done: error === null });
        },
      });
      current.followers.set(id, follower);
      follower.start();
      return Promise.resolve(null);
    },
    [INVOKE.tasks.unfollowLog]: (id) => {
      session.current?.followers.get(id)?.stop();
      session.current?.followers.delete(id);
      return Promise.resolve(null);
    },
  };
}
