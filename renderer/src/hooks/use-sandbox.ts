import { useMutation, useQuery } from '@tanstack/react-query';
import { consoleApi } from '../transport/console-api';
import { queryKeys } from './query-keys';

/** The local sandbox's state; kept current by the `PUSH.sandbox.status` event. */
export function useSandboxStatus() {
  return useQuery({ queryKey: queryKeys.sandbox(), queryFn: () => consoleApi().sandbox.getStatus() });
}

export function useStartSandbox() {
  return useMutation({ mutationFn: () => consoleApi().sandbox.start() });
}

export function useStopSandbox() {
  return useMutation({ mutationFn: () => consoleApi().sandbox.stop() });
}
