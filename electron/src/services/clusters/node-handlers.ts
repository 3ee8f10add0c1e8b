import type { DomainHandlers } from '../../common/contract.js';
import { INVOKE, PUSH } from '../../common/contract.js';
import { UserError } from '../../common/user-error.js';
import type { ConsoleContext } from './console-context.js';
import { followLog, unfollowLog } from './follow-log.js';

/** The active cluster's nodes: drain, task cap, remove (offline or dead ones). */
export function nodeHandlers({ session, push }: ConsoleContext): DomainHandlers<'nodes'> {
  return {
    [INVOKE.nodes.setDrain]: (name, drain) => session.act(({ api }) => api.setDrain(name, drain)),
    [INVOKE.nodes.setTaskCap]: (name, taskCap) => {
      if (!Number.isInteger(taskCap) || taskCap < 0 || taskCap > 1000) {
        return Promise.reject(new UserError('The task cap is a whole number from 0 (no tasks) to 1000.'));
      }
      return session.act(({ api }) => api.setTaskCap(name, taskCap));
    },
    [INVOKE.nodes.remove]: (name) => session.act(({ api }) => api.deleteNode(name)),
    [INVOKE.nodes.getLog]: (name, lines) => session.act(({ api }) => api.nodeLog(name, lines), false),
    [INVOKE.nodes.followLog]: (name, lines) =>
      followLog(
        session,
        `node:${name}`,
        (api, signal) => api.followNodeLog(name, lines, signal),
        (clusterId, text) => push(PUSH.nodes.logChunk, { clusterId, node: name, text }),
      ),
    [INVOKE.nodes.unfollowLog]: (name) => unfollowLog(session, `node:${name}`),
  };
}
