// Who may do what: the one table the routes enforce and the console reads to enable its controls.
// Nothing here imports the rest of the server, so the console can import it as it is.

export type Role = 'administrator' | 'deployer' | 'viewer';

/** Least to most: each role can do everything the roles before it can. */
export const ROLES = ['viewer', 'deployer', 'administrator'] as const satisfies readonly Role[];

export function hasRole(actual: Role, required: Role): boolean {
  return ROLES.indexOf(actual) >= ROLES.indexOf(required);
}

/**
 * The actions the console offers, each with the least role its route requires. The routes declare
 * `role: ACTION_ROLES[action]`, and the console disables its controls from the same table, so the two
 * cannot disagree (once a deployer was offered a button the server refused).
 */
export const ACTION_ROLES = {
  /** PATCH /api/nodes/:name: drain, undrain, task cap. */
  'nodes.update': 'administrator',
  /** DELETE /api/nodes/:name (offline or dead nodes). */
  'nodes.remove': 'administrator',
  /** GET /api/nodes/:name/log: a node's own log (paths, addresses, errors). */
  'nodes.log': 'administrator',
  /** PATCH /api/cluster: pause or resume the queue. */
  'cluster.update': 'administrator',
  /** GET /api/cluster/diagnostics and each node's self-check: the cluster check (it shows paths and versions). */
  'cluster.diagnostics': 'administrator',
  /** POST /api/cluster/support-bundle: diagnostics, node logs and configurations (secrets removed), in a zip. */
  'cluster.supportBundle': 'administrator',
  /** POST /api/tasks: any task kind, including scripts that run on the nodes. */
  'tasks.add': 'administrator',
  /** POST /api/tasks/:id/cancel */
  'tasks.cancel': 'deployer',
  /** POST /api/tasks/:id/retry */
  'tasks.retry': 'deployer',
  /** PUT /_balancer/servers/:name on the built-in balancer: ready, drain, maint. */
  'balancer.update': 'administrator',
  /** PUT /api/auth/directory and POST /api/auth/directory/test: directory sign-in settings. */
  'directory.update': 'administrator',
} as const satisfies Record<string, Role>;

export type Action = keyof typeof ACTION_ROLES;
