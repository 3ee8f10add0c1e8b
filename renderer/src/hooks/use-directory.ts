import type { DirectorySettingsInput, DirectoryTestInput } from '@flotilla/electron/common/contract';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { consoleApi } from '../transport/console-api';
import { useActiveCluster } from './use-clusters';
import { queryKeys } from './query-keys';

/** The active cluster's directory sign-in settings (administrators only: `enabled` waits for the role). */
export function useDirectorySettings(enabled: boolean) {
  const clusterId = useActiveCluster()?.id ?? '';
  return useQuery({
    queryKey: queryKeys.directorySettings(clusterId),
    queryFn: () => consoleApi().directory.getSettings(),
    enabled: enabled && clusterId !== '',
  });
}

export function useSaveDirectorySettings() {
  const client = useQueryClient();
  const clusterId = useActiveCluster()?.id ?? '';
  return useMutation({
    mutationFn: (settings: DirectorySettingsInput) => consoleApi().directory.setSettings(settings),
    onSuccess: (settings) => client.setQueryData(queryKeys.directorySettings(clusterId), settings),
  });
}

export function useTestDirectorySettings() {
  return useMutation({ mutationFn: (input: DirectoryTestInput) => consoleApi().directory.test(input) });
}
