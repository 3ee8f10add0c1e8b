// The steps of the console's node actions (provision, graceful restart, rolling restart, remove), in
// order: the services report them, the UI shows them, the end-to-end tests expect them.

/** The steps of provisioning a node, in order; events and errors name one of them. */
export const PROVISION_STEPS = [
  'connect',
  'preflight',
  'upload',
  'verify',
  'install',
  'configure',
  'check',
  'start',
  'wait',
  'balancer',
] as const;

export type ProvisionStep = (typeof PROVISION_STEPS)[number];

/** The steps of a graceful restart (also the second half of an upgrade). */
export const RESTART_STEPS = ['drain', 'idle', 'maint', 'restart', 'back', 'undrain', 'ready'] as const;

/**
 * A rolling restart or upgrade checks the healthy floor before each node's turn; an upgrade says what
 * it does to the schema before it starts, and the schema's state after each node's turn.
 */
export const ROLLING_STEPS = ['floor', 'schema'] as const;

export type RollingStep = (typeof ROLLING_STEPS)[number];

export type RestartStep = (typeof RESTART_STEPS)[number];

/** The steps of removing a node (after drain and idle, shared with a restart). */
export const REMOVE_STEPS = ['unbalance', 'stop', 'deregister', 'uninstall'] as const;

export type RemoveStep = (typeof REMOVE_STEPS)[number];

export type NodeActionStep = ProvisionStep | RestartStep | RemoveStep | RollingStep;
