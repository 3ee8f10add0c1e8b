import { useQuery } from '@tanstack/react-query';
import { consoleApi } from '../transport/console-api';
import { queryKeys } from './query-keys';
import { useActiveCluster } from './use-clusters';

/** The cluster's latest events, newest last; each `PUSH.clusters.event` appends to it. */
export function useRecentEvents() {
  const cluster = useActiveCluster();
  return useQuery({
    queryKey: queryKeys.events(cluster?.id ?? ''),
    queryFn: () => consoleApi().events.list(),
    enabled: cluster !== null,
  });
}
