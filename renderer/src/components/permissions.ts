import type { ConsoleRole } from '@flotilla/electron/common/contract';

export type ConsoleAction =
  'manage-nodes' | 'manage-hosts' | 'pause-queue' | 'balancer-state' | 'balancer-settings' | 'run-tasks';

const ALLOWED: Record<ConsoleRole, ReadonlySet<ConsoleAction>> = {
  administrator: new Set([
    'manage-nodes',
    'manage-hosts',
    'pause-queue',
    'balancer-state',
    'balancer-settings',
    'run-tasks',
  ]),
  deployer: new Set(['run-tasks']),
  viewer: new Set(),
};

/** Null when the role may act, else the reason shown on the disabled control. */
export function deniedReason(role: ConsoleRole, action: ConsoleAction): string | null {
  return ALLOWED[role].has(action)
    ? null
    : `Your API key's role (${role}) may not do this; an administrator key is needed.`;
}
