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

/** A rolling restart or upgrade checks the healthy floor before each node's turn. */
export const ROLLING_STEPS = ['floor'] as const;

export type RollingStep = (typeof ROLLING_STEPS)[number];

export type RestartStep = (typeof RESTART_STEPS)[number];

/** The steps of removing a node (after drain and idle, shared with a restart). */
export const REMOVE_STEPS = ['unbalance', 'stop', 'deregister', 'uninstall'] as const;

export type RemoveStep = (typeof REMOVE_STEPS)[number];

export type NodeActionStep = ProvisionStep | RestartStep | RemoveStep | RollingStep;

export type ProvisionStatus = 'started' | 'progress' | 'done' | 'skipped' | 'failed';

/** One line of the provisioning stream the console shows; never carries a secret. */
export interface ProvisionEvent {
  step: NodeActionStep;
  status: ProvisionStatus;
  detail: string;
}

/** A provisioning (or restart, upgrade) failure: which step, why, and what the admin can do about it. */
export class ProvisionError extends Error {
  override name = 'ProvisionError';
  constructor(
    readonly step: NodeActionStep,
    readonly reason: string,
    readonly fix: string,
    options?: ErrorOptions,
  ) {
    super(`Failed at "${step}": ${reason} Fix: ${fix}`, options);
  }
}
