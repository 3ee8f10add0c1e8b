import { Badge, type BadgeProps } from '@fluentui/react-components';
import type { BalancerAdminState, BalancerServerDto } from '@flotilla/electron/common/contract';

const ADMIN: Record<BalancerAdminState, BadgeProps['color']> = {
  ready: 'success',
  drain: 'warning',
  maint: 'danger',
};
const CHECK: Record<BalancerServerDto['checkStatus'], { color: BadgeProps['color']; label: string }> = {
  up: { color: 'success', label: 'UP' },
  down: { color: 'danger', label: 'DOWN' },
  'going-up': { color: 'informative', label: 'going up' },
  'going-down': { color: 'warning', label: 'going down' },
  unchecked: { color: 'subtle', label: 'no check' },
};

export function AdminStateBadge({ state }: { state: BalancerAdminState }) {
  return (
    <Badge appearance="tint" color={ADMIN[state]} data-testid="admin-state" data-state={state}>
      {state}
    </Badge>
  );
}

export function CheckStatusBadge({ status }: { status: BalancerServerDto['checkStatus'] }) {
  return (
    <Badge appearance="filled" color={CHECK[status].color} data-testid="check-status" data-state={status}>
      {CHECK[status].label}
    </Badge>
  );
}
