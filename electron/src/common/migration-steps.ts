// The steps of the console's HA migration wizard, in order: the migration service reports where a
// migration stands as one of them, the UI shows them, the end-to-end journey walks them.

export const MIGRATION_WIZARD_STEPS = [
  'source',
  'target',
  'shared',
  'nodes',
  'balancer',
  'preflight',
  'precopy',
  'rehearsal',
  'switch',
  'verify',
  'provision',
  'smoke',
  'finish',
] as const;

export type MigrationWizardStep = (typeof MIGRATION_WIZARD_STEPS)[number];

/** What each step is called on screen and in the banner. */
export const MIGRATION_STEP_TITLES: Record<MigrationWizardStep, string> = {
  source: 'Source',
  target: 'Target database',
  shared: 'Shared folder',
  nodes: 'Nodes',
  balancer: 'Balancer',
  preflight: 'Preflight',
  precopy: 'Pre-copy',
  rehearsal: 'Rehearsal',
  switch: 'Switch-over',
  verify: 'Verification',
  provision: 'New nodes',
  smoke: 'Smoke test',
  finish: 'Finalize',
};
