import type { MigrationResultDto } from '../api/index.js';
import { crashPoint } from './crash-points.js';
import { runFinalize } from './finalize-step.js';
import { runPrecopy } from './precopy-step.js';
import { runPreflight } from './preflight-step.js';
import type { StepContext } from './step-context.js';
import { commandLine, stepResult } from './step-context.js';
import type { SwitchOptions } from './switch-step.js';
import { runSwitch } from './switch-step.js';
import { runVerify } from './verify-step.js';

// `migrate --yes`: every step in order, each exactly as its own command would run it, so a crash at
// any point resumes by running the same command again (a step already done is not repeated, except
// preflight, which is cheap and re-checks the world before the switch). `--dry-run` rehearses:
// preflight, precopy (files to the share, the database into a scratch schema) and the predicted window,
// and changes nothing on the source. It stops before finalize unless asked: finalize removes the way back.

export async function runAllSteps(
  all: StepContext,
  options: SwitchOptions & { plannedNodes: number; finalize: boolean },
  emit: (result: MigrationResultDto) => void,
): Promise<MigrationResultDto> {
  const started = new Date();
  const { journal } = all;
  // Each step reports its progress under its own name.
  const context = (step: MigrationResultDto['step']): StepContext => ({
    ...all,
    progress: all.progress.forStep(step),
  });
  const steps: MigrationResultDto[] = [];
  const ran = (result: MigrationResultDto) => {
    steps.push(result);
    emit(result);
    return result.ok;
  };
  const summary = (message: string, next: string | null): MigrationResultDto => {
    const last = steps[steps.length - 1];
    return stepResult(all, 'migrate', started, {
      state: last?.state ?? 'done',
      message,
      next,
      steps,
      ...(last?.window ? { window: last.window } : {}),
      ...(steps.find((step) => step.rehearsal)?.rehearsal
        ? { rehearsal: steps.find((step) => step.rehearsal)!.rehearsal! }
        : {}),
    });
  };
  const stopped = () =>
    summary(
      `Stopped at ${steps[steps.length - 1]!.step}: ${steps[steps.length - 1]!.message}`,
      steps[steps.length - 1]!.next,
    );

  if (journal.state('switch') === 'pending' || journal.rolledBack) {
    if (!ran(await runPreflight(context('preflight'), options))) return stopped();
    crashPoint('after:preflight');
    if (journal.state('precopy') !== 'done' || all.dryRun) {
      if (!ran(await runPrecopy(context('precopy'), options))) return stopped();
    }
    crashPoint('after:precopy');
  }
  if (all.dryRun) {
    const rehearsal = journal.data.rehearsal;
    return summary(
      `Dry run done; the standalone was not changed. The switch would stop the node for about ` +
        `${((rehearsal?.predictedWindowMs ?? 0) / 1000).toFixed(1)} s. Run again with --yes (and without --dry-run) to migrate.`,
      commandLine('migrate', all.home, ['--shared', options.sharedDir, '--yes']),
    );
  }
  if (journal.state('switch') !== 'done') {
    if (!ran(await runSwitch(context('switch'), { ...options, start: true }))) return stopped();
  }
  crashPoint('after:switch');
  if (journal.state('verify') !== 'done') {
    if (!ran(await runVerify(context('verify')))) return stopped();
  }
  if (options.finalize) {
    if (!ran(await runFinalize(context('finalize')))) return stopped();
    return summary('Migrated and finalized: the cluster runs on the new database and the share.', null);
  }
  const window = journal.data.window?.windowMs;
  return summary(
    `Migrated: the node serves on the new database and the share (window ${window ? (window / 1000).toFixed(1) : '?'} s), ` +
      `and verify passed. Add nodes (init --db + run), then finalize when satisfied; until then rollback goes back.`,
    commandLine('finalize', all.home),
  );
}
