import { useMigration } from '../../hooks/use-migration';
import { useSnapshot } from '../../hooks/use-snapshot';

/**
 * Whether the cluster offers "Move to high availability": one live node whose database is embedded (as
 * far as the console can tell), or a migration under way.
 */
export function useMigrationEntry(): boolean {
  const state = useMigration().data;
  const nodes = useSnapshot().data?.nodes ?? [];
  if (!state) return false;
  if (state.inProgress || state.running) return true;
  const alive = nodes.filter((node) => node.state === 'running' || node.state === 'draining');
  return state.eligible && alive.length === 1;
}
