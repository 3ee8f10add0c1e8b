import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { consoleApi } from '../transport/console-api';
import { queryKeys } from './query-keys';
import { useActiveCluster } from './use-clusters';

/** How many of a node's last lines the log panel shows first. */
export const NODE_LOG_LINES = 500;

/**
 * A node's log: read once (its last lines) or, while `follow`, streamed by the console process from its
 * last lines on; the `nodes:logChunk` pushes append to the cached text (usePushSync).
 */
export function useNodeLog(name: string | null, follow: boolean) {
  const client = useQueryClient();
  const clusterId = useActiveCluster()?.id ?? '';
  useEffect(() => {
    if (!name || !follow) return;
    // The stream starts with the last lines: the cached text starts empty.
    client.setQueryData(queryKeys.nodeLog(clusterId, name), '');
    void consoleApi().nodes.followLog(name, NODE_LOG_LINES);
    return () => void consoleApi().nodes.unfollowLog(name);
  }, [client, clusterId, name, follow]);
  return useQuery({
    queryKey: queryKeys.nodeLog(clusterId, name ?? ''),
    queryFn: () => consoleApi().nodes.getLog(name!, NODE_LOG_LINES),
    enabled: name !== null && clusterId !== '' && !follow,
  });
}
