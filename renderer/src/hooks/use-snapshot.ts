import { useQuery } from '@tanstack/react-query';
import { consoleApi } from '../transport/console-api';
import { queryKeys } from './query-keys';
import { useActiveCluster } from './use-clusters';

/**
 * The active cluster as last sampled: nodes, queue, balancer, connection. Loaded once, then kept
 * current by `PUSH.clusters.snapshot` events (never polled from the page).
 */
export function useSnapshot() {
  const cluster = useActiveCluster();
  const clusterId = cluster?.id ?? '';
  return useQuery({
    queryKey: queryKeys.snapshot(clusterId),
    queryFn: async () => {
      const snapshot = await consoleApi().clusters.getSnapshot();
      // A snapshot of the previous cluster can arrive while switching: it is not this one's.
      return snapshot?.clusterId === clusterId ? snapshot : null;
    },
    enabled: cluster !== null,
  });
}

export function useNodes() {
  return useSnapshot().data?.nodes ?? [];
}
