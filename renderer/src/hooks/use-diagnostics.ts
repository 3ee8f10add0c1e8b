import { deniedReason } from '@flotilla/electron/common/permissions';
import { useQuery } from '@tanstack/react-query';
import { consoleApi } from '../transport/console-api';
import { queryKeys } from './query-keys';
import { useActiveCluster } from './use-clusters';
import { useSnapshot } from './use-snapshot';

/** How often the cluster check runs again while a view shows it (it asks every node). */
const RECHECK_MS = 30_000;

/**
 * The cluster check, for administrators only (it shows paths and versions); `denied` says why not.
 * The Overview's badge and the Diagnostics view share it; "Check again" refetches it.
 */
export function useDiagnostics() {
  const cluster = useActiveCluster();
  const role = useSnapshot().data?.connection.role ?? null;
  const denied = deniedReason(role, 'cluster.diagnostics');
  const query = useQuery({
    queryKey: queryKeys.diagnostics(cluster?.id ?? ''),
    queryFn: () => consoleApi().clusters.getDiagnostics(),
    enabled: cluster !== null && role !== null && denied === null,
    refetchInterval: RECHECK_MS,
  });
  return { ...query, denied: role === null ? null : denied };
}
