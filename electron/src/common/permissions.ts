import type { Role } from '@flotilla/server-node/api';
import { ACTION_ROLES, hasRole } from '@flotilla/server-node/api';

/**
 * What the console lets a role do: every action the cluster's routes check (their roles come from
 * the server's one table), plus the console's own actions. Provisioning hands the cluster's
 * database URL and master key to a host, balancer settings decide what the console drives, and the
 * HA migration stops the node, moves its database and hands out its master key, so all three are for
 * administrators.
 */
export const CONSOLE_ACTION_ROLES = {
  ...ACTION_ROLES,
  'hosts.manage': 'administrator',
  'balancer.settings': 'administrator',
  'migrations.run': 'administrator',
} as const satisfies Record<string, Role>;

export type ConsoleAction = keyof typeof CONSOLE_ACTION_ROLES;

/**
 * Null when the role may act, else the reason shown on the disabled control. A role the console
 * has not yet learned from the cluster (`null`) may do nothing yet.
 */
export function deniedReason(role: Role | null, action: ConsoleAction): string | null {
  if (!role) return "Checking what this cluster's API key may do…";
  const required = CONSOLE_ACTION_ROLES[action];
  return hasRole(role, required)
    ? null
    : `Your API key's role (${role}) may not do this; it needs the ${required} role.`;
}
