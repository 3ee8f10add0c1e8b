import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { consoleApi } from '../transport/console-api';
import { queryKeys } from './query-keys';
import { useActiveCluster } from './use-clusters';

/**
 * Asks the console process to stream a running task's log while the detail panel shows it. The
 * stream starts at the log's beginning, so the cached text starts empty; chunks arrive as
 * `tasks:logChunk` pushes, which usePushSync appends.
 */
export function useFollowTaskLog(taskId: string | null, running: boolean): void {
  const client = useQueryClient();
  const clusterId = useActiveCluster()?.id ?? '';
  useEffect(() => {
    if (!taskId || !running) return;
    const key = queryKeys.taskLog(clusterId, taskId);
    void client.cancelQueries({ queryKey: key });
    client.setQueryData(key, '');
    const api = consoleApi();
    void api.tasks.followLog(taskId);
    return () => void api.tasks.unfollowLog(taskId);
  }, [client, clusterId, taskId, running]);
}
