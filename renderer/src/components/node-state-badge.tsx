import { Badge, type BadgeProps } from '@fluentui/react-components';
import type { NodeState } from '@flotilla/electron/common/contract';

const LOOK: Record<NodeState, { color: BadgeProps['color']; label: string }> = {
  running: { color: 'success', label: 'Running' },
  draining: { color: 'warning', label: 'Draining' },
  offline: { color: 'severe', label: 'Offline' },
  dead: { color: 'danger', label: 'Dead' },
};

export function NodeStateBadge({ state }: { state: NodeState }) {
  const look = LOOK[state];
  return (
    <Badge appearance="filled" color={look.color} data-testid="node-state" data-state={state}>
      {look.label}
    </Badge>
  );
}
