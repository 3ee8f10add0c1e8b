import { Badge, type BadgeProps } from '@fluentui/react-components';
import type { TaskState } from '@flotilla/electron/common/contract';

const LOOK: Record<TaskState, { color: BadgeProps['color']; appearance: BadgeProps['appearance'] }> = {
  queued: { color: 'informative', appearance: 'tint' },
  executing: { color: 'brand', appearance: 'filled' },
  succeeded: { color: 'success', appearance: 'tint' },
  failed: { color: 'danger', appearance: 'filled' },
  canceled: { color: 'subtle', appearance: 'tint' },
};

export function TaskStateBadge({ state }: { state: TaskState }) {
  return (
    <Badge appearance={LOOK[state].appearance} color={LOOK[state].color}>
      {state}
    </Badge>
  );
}
