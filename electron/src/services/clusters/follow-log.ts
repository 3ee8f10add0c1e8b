import { UserError } from '../../common/user-error.js';
import type { ClusterApi } from '../cluster-client/cluster-api.js';
import { LogFollower } from '../cluster-client/log-follower.js';
import type { ActiveSession } from './active-session.js';

/**
 * Follows a log of the active cluster under `key` (a task's id, `node:<name>`), at most once per key:
 * each chunk goes to `emit` as it arrives; the end (with the reason when it failed) once.
 */
export function followLog(
  session: ActiveSession,
  key: string,
  open: (api: ClusterApi, signal: AbortSignal) => Promise<Response>,
  emit: (clusterId: string, text: string, done: boolean) => void,
): Promise<null> {
  const current = session.current;
  if (!current) return Promise.reject(new UserError('No cluster is selected.'));
  if (current.followers.has(key)) return Promise.resolve(null);
  const clusterId = current.cluster.id;
  const follower = new LogFollower({
    open: (signal) => open(current.api, signal),
    onText: (text) => emit(clusterId, text, false),
    onEnd: (error) => {
      current.followers.delete(key);
      emit(clusterId, error ? `\n[console] log stream ended: ${error.message}\n` : '', error === null);
    },
  });
  current.followers.set(key, follower);
  follower.start();
  return Promise.resolve(null);
}

export function unfollowLog(session: ActiveSession, key: string): Promise<null> {
  session.current?.followers.get(key)?.stop();
  session.current?.followers.delete(key);
  return Promise.resolve(null);
}
