import type { BalancerAdminState } from '@flotilla/electron/common/contract';
import { useMutation } from '@tanstack/react-query';
import { consoleApi } from '../transport/console-api';

export function useSetBalancerServerState() {
  return useMutation({
    mutationFn: ({ name, state }: { name: string; state: BalancerAdminState }) =>
      consoleApi().balancer.setServerState(name, state),
  });
}
