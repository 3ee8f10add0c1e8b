import type {
  MigrationPlanInputDto,
  MigrationStateDto,
  MigrationWizardStep,
} from '@flotilla/electron/common/contract';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { consoleApi } from '../transport/console-api';
import { queryKeys } from './query-keys';
import { useActiveCluster } from './use-clusters';

/** The active cluster's migration: plan, journal, results; kept current by `migrations:*` pushes. */
export function useMigration() {
  const clusterId = useActiveCluster()?.id ?? '';
  return useQuery({
    queryKey: queryKeys.migration(clusterId),
    queryFn: async () => {
      const state = await consoleApi().migrations.getState();
      // The answer of a cluster selected a moment ago is not this one's.
      return state.clusterId === clusterId ? state : null;
    },
    enabled: clusterId !== '',
  });
}

/** What the wizard's buttons start; each answers with the state at once, the rest arrives by push. */
export type MigrationAction =
  | { kind: 'setPlan'; input: MigrationPlanInputDto }
  | { kind: 'inspect' | 'startTarget' | 'preflight' | 'precopy' | 'switch' | 'verify' }
  | { kind: 'provisionNodes' | 'smokeTest' | 'finalize' }
  | { kind: 'rollback'; force: boolean };

export function useMigrationAction() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (action: MigrationAction): Promise<MigrationStateDto> => {
      const api = consoleApi().migrations;
      switch (action.kind) {
        case 'setPlan':
          return api.setPlan(action.input);
        case 'rollback':
          return api.rollback({ force: action.force });
        default:
          return api[action.kind]();
      }
    },
    onSuccess: (state) => client.setQueryData(queryKeys.migration(state.clusterId), state),
  });
}

export function useStartStandalone() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => consoleApi().migrations.startStandalone(),
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.clusters() }),
  });
}

/** "Show the commands" of a step, asked when the dialog opens. */
export function useMigrationCommands(step: MigrationWizardStep | null) {
  const clusterId = useActiveCluster()?.id ?? '';
  return useQuery({
    queryKey: queryKeys.migrationCommands(clusterId, step ?? 'source'),
    queryFn: () => consoleApi().migrations.listCommands(step!),
    enabled: clusterId !== '' && step !== null,
    staleTime: 0,
  });
}
