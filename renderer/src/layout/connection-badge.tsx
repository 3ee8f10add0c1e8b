import { Badge, Tooltip } from '@fluentui/react-components';
import { useActiveCluster } from '../hooks/use-clusters';
import { useSnapshot } from '../hooks/use-snapshot';

/** Live / reconnecting, and through which URL the console reads the cluster's events. */
export function ConnectionBadge() {
  const active = useActiveCluster();
  const connection = useSnapshot().data?.connection;
  if (!active) return null;
  const state = connection?.state ?? 'connecting';
  const color = state === 'connected' ? 'success' : state === 'connecting' ? 'informative' : 'warning';
  const label = state === 'connected' ? 'Live' : state === 'connecting' ? 'Connecting…' : 'Reconnecting…';
  return (
    <Tooltip
      content={connection?.via ? `Events from ${connection.via}` : (connection?.error ?? 'Not connected yet')}
      relationship="description"
    >
      <Badge appearance="filled" color={color} data-testid="connection-state" data-state={state}>
        {label}
      </Badge>
    </Tooltip>
  );
}
