import { useQuery } from '@tanstack/react-query';
import { consoleApi } from '../transport/console-api';
import { queryKeys } from './query-keys';
import { useActiveCluster } from './use-clusters';

/** The last ten minutes of one-second samples; each `PUSH.clusters.snapshot` appends its point. */
export function useMetricsHistory() {
  const cluster = useActiveCluster();
  return useQuery({
    queryKey: queryKeys.history(cluster?.id ?? ''),
    queryFn: () => consoleApi().metrics.list(),
    enabled: cluster !== null,
  });
}
