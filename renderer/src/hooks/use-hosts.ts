import type {
  HostInputDto,
  ProvisioningSettingsInputDto,
  ProvisionInputDto,
  RemoveNodeInputDto,
  ReplaceInputDto,
  RollingRestartInputDto,
  WindowsInstallInputDto,
} from '@flotilla/electron/common/contract';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { consoleApi } from '../transport/console-api';
import { queryKeys } from './query-keys';
import { useActiveCluster } from './use-clusters';

/** The active cluster's host inventory; `hosts:changed` pushes refetch it. */
export function useHosts() {
  const clusterId = useActiveCluster()?.id ?? '';
  return useQuery({
    queryKey: queryKeys.hosts(clusterId),
    queryFn: () => consoleApi().hosts.list(),
    enabled: clusterId !== '',
  });
}

/** Running and recent node actions with their streams; kept current by `hosts:action(Event)` pushes. */
export function useHostActions() {
  const clusterId = useActiveCluster()?.id ?? '';
  return useQuery({
    queryKey: queryKeys.hostActions(clusterId),
    queryFn: () => consoleApi().hosts.listActions(),
    enabled: clusterId !== '',
  });
}

export function useProvisioningSettings() {
  const clusterId = useActiveCluster()?.id ?? '';
  return useQuery({
    queryKey: queryKeys.provisioningSettings(clusterId),
    queryFn: () => consoleApi().hosts.getSettings(),
    enabled: clusterId !== '',
  });
}

export function useSaveProvisioningSettings() {
  const client = useQueryClient();
  const clusterId = useActiveCluster()?.id ?? '';
  return useMutation({
    mutationFn: (input: ProvisioningSettingsInputDto) => consoleApi().hosts.setSettings(input),
    onSuccess: (settings) => client.setQueryData(queryKeys.provisioningSettings(clusterId), settings),
  });
}

export function useProbeHost() {
  return useMutation({
    mutationFn: (target: { address: string; sshPort: number }) => consoleApi().hosts.probe(target),
  });
}

export function useAddHost() {
  return useMutation({ mutationFn: (input: HostInputDto) => consoleApi().hosts.add(input) });
}

export function useConfirmHostKey() {
  return useMutation({
    mutationFn: ({ hostId, fingerprint }: { hostId: string; fingerprint: string }) =>
      consoleApi().hosts.confirmKey(hostId, fingerprint),
  });
}

export function useRemoveHost() {
  return useMutation({ mutationFn: (hostId: string) => consoleApi().hosts.remove(hostId) });
}

/** Every node action starts in the background and returns at once; its stream arrives by push. */
export function useStartHostAction() {
  const client = useQueryClient();
  const clusterId = useActiveCluster()?.id ?? '';
  return useMutation({
    mutationFn: (request: HostActionRequest) => {
      const hosts = consoleApi().hosts;
      switch (request.kind) {
        case 'provision':
          return hosts.provision(request.input);
        case 'restart':
          return hosts.restart(request.hostId);
        case 'rollingRestart':
          return hosts.rollingRestart(request.input);
        case 'removeNode':
          return hosts.removeNode(request.input);
        case 'replace':
          return hosts.replace(request.input);
      }
    },
    // The action's pushes may have arrived before this reply: they are newer, so keep them.
    onSuccess: (action) =>
      client.setQueryData(queryKeys.hostActions(clusterId), (old: (typeof action)[] | undefined) =>
        old?.some((other) => other.id === action.id) ? old : [...(old ?? []), action],
      ),
  });
}

export type HostActionRequest =
  | { kind: 'provision'; input: ProvisionInputDto }
  | { kind: 'restart'; hostId: string }
  | { kind: 'rollingRestart'; input: RollingRestartInputDto }
  | { kind: 'removeNode'; input: RemoveNodeInputDto }
  | { kind: 'replace'; input: ReplaceInputDto };

/** The msiexec line for a Windows node (asked on demand: it names the node). */
export function useWindowsInstall() {
  return useMutation({
    mutationFn: (input: WindowsInstallInputDto) => consoleApi().hosts.getWindowsInstall(input),
  });
}
