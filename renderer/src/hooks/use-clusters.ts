import type { ClusterInputDto, ClusterPatchDto } from '@flotilla/electron/common/contract';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { consoleApi } from '../transport/console-api';
import { queryKeys } from './query-keys';

export function useClusters() {
  return useQuery({ queryKey: queryKeys.clusters(), queryFn: () => consoleApi().clusters.list() });
}

/** The selected cluster's saved entry, or null when none is. */
export function useActiveCluster() {
  const { data } = useClusters();
  return data?.clusters.find((cluster) => cluster.id === data.activeId) ?? null;
}

export function useTestConnection() {
  return useMutation({
    mutationFn: (input: { balancerUrl: string; apiKey: string }) => consoleApi().clusters.test(input),
  });
}

export function useAddCluster() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: ClusterInputDto) => consoleApi().clusters.add(input),
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.clusters() }),
  });
}

export function useUpdateCluster() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, patch }: { id: string; patch: ClusterPatchDto }) =>
      consoleApi().clusters.update(id, patch),
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.clusters() }),
  });
}

export function useRemoveCluster() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => consoleApi().clusters.remove(id),
    onSuccess: (clusters) => client.setQueryData(queryKeys.clusters(), clusters),
  });
}

export function useSelectCluster() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => consoleApi().clusters.select(id),
    onSuccess: (clusters) => client.setQueryData(queryKeys.clusters(), clusters),
  });
}
