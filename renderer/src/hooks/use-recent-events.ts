import { useQuery } from '@tanstack/react-query';
import { consoleApi } from '../transport/console-api';
import { queryKeys } from './query-keys';
import { useActiveCluster } from './use-clusters';

/** The cluster's latest events, newest last; `cluster:event` pushes append to it. */
export function useRecentEvents() {
  const cluster = useActiveCluster();
  return useQuery({
    queryKey: queryKeys.events(cluster?.id ?? ''),
    queryFn: () => consoleApi().events.recent(),
    enabled: cluster !== null,
  });
}
