import type { BalancerAdminState, BalancerSettingsInputDto } from '@flotilla/electron/common/contract';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { consoleApi } from '../transport/console-api';
import { queryKeys } from './query-keys';

export function useSetBalancerServerState() {
  return useMutation({
    mutationFn: ({ name, state }: { name: string; state: BalancerAdminState }) =>
      consoleApi().balancer.setServerState(name, state),
  });
}

/** Saves the active cluster's balancer setting; it lives in the cluster's entry, so the clusters refetch. */
export function useSetBalancerSettings() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (settings: BalancerSettingsInputDto) => consoleApi().balancer.setSettings(settings),
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.clusters() }),
  });
}
