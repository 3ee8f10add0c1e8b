import type { NodeActionStep } from '../../common/node-action-steps.js';

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
