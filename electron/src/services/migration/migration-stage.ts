import type { MigrationStatusDto, MigrationStep, MigrationStepState } from '@flotilla/server-node/api';
import type { ClusterEntryDto, MigrationWizardStep } from '../../common/contract.js';
import type { StoredMigration } from './migration-store.js';

// Where a migration stands, from the engine's journal first (the truth: a closed console or an admin who
// ran steps by hand is picked up from it), then from what only the console knows (node hosts, balancer,
// smoke test).

export function stepState(status: MigrationStatusDto | null, step: MigrationStep): MigrationStepState {
  return status?.journal?.steps.find((entry) => entry.step === step)?.state ?? 'pending';
}

/** Begun, and neither finalized nor rolled back. */
export function inProgress(status: MigrationStatusDto | null): boolean {
  const journal = status?.journal;
  if (!journal || journal.finalized || journal.rolledBack) return false;
  return journal.steps.some((step) => step.state !== 'pending') || status?.lock !== null;
}

/** The first plan step still missing something, or null when the plan is complete (the source detected too). */
export function missingPlanStep(
  stored: Pick<StoredMigration, 'plan' | 'source'>,
): MigrationWizardStep | null {
  const { plan } = stored;
  if (!plan.source || !stored.source) return 'source';
  if (!plan.targetDb) return 'target';
  if (!plan.sharedDir) return 'shared';
  if (!plan.balancer) return 'balancer';
  return null;
}

export interface StageInput {
  stored: StoredMigration;
  status: MigrationStatusDto | null;
  /** Every planned node is provisioned on its host. */
  nodesProvisioned: boolean;
}

export function stageOf({ stored, status, nodesProvisioned }: StageInput): MigrationWizardStep {
  const journal = status?.journal;
  if (journal?.finalized) return 'finish';
  const begun = journal && !journal.rolledBack;
  const switchState = stepState(status, 'switch');
  if (!begun || switchState === 'pending') {
    const missing = missingPlanStep(stored);
    if (missing) return missing;
    const preflight = stored.results.preflight;
    const fresh =
      preflight?.ok === true &&
      stepState(status, 'preflight') === 'done' &&
      (stored.planChangedAt === null || preflight.finishedAt >= stored.planChangedAt) &&
      stored.peers.length === stored.plan.nodes.length &&
      stored.peers.every((peer) => peer.ok);
    if (!begun || !fresh) return 'preflight';
    if (stepState(status, 'precopy') !== 'done') return 'precopy';
    return 'rehearsal';
  }
  if (switchState !== 'done') return 'switch';
  if (stepState(status, 'verify') !== 'done') return 'verify';
  if (!nodesProvisioned) return 'provision';
  if (!stored.smoke?.ok) return 'smoke';
  return 'finish';
}

/** Whether "Move to high availability" applies to the cluster, as far as the console can tell. */
export function eligibility(
  entry: ClusterEntryDto,
  status: MigrationStatusDto | null,
): { eligible: boolean; reason: string | null } {
  const journal = status?.journal;
  if (journal?.finalized)
    return {
      eligible: false,
      reason: 'This cluster was moved to high availability (the migration is finalized).',
    };
  if (journal && !journal.rolledBack) return { eligible: true, reason: null };
  if (status?.database === 'external')
    return {
      eligible: false,
      reason:
        'Its node already uses an external PostgreSQL: it is a cluster node, add nodes from the Hosts view.',
    };
  if (entry.kind === 'sandbox')
    return { eligible: false, reason: 'The sandbox already runs several nodes on one PostgreSQL.' };
  return { eligible: true, reason: null };
}
