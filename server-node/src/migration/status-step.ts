import type { MigrationResultDto, MigrationStatusDto } from '../api/index.js';
import { readNodeConfig } from '../config/node-config.js';
import { readLock } from './migration-lock.js';
import { MigrationJournal } from './migration-journal.js';
import { findNodePid } from './node-control.js';
import { commandLine } from './step-context.js';

// `migrate status`: the journal, who holds the lock, and the real state (what the config points at,
// whether the node runs). It takes no lock, so it answers while another command runs.

function nextStep(journal: MigrationJournal | null, home: string): string | null {
  if (!journal || journal.rolledBack) return commandLine('preflight', home, ['--shared', 'DIR']);
  if (journal.finalized) return null;
  const shared = journal.targetSharedDir ? ['--shared', journal.targetSharedDir] : [];
  if (journal.state('preflight') !== 'done') return commandLine('preflight', home, shared);
  if (journal.state('precopy') !== 'done') return commandLine('precopy', home, shared);
  if (journal.state('switch') !== 'done') return commandLine('switch', home, [...shared, '--start']);
  if (journal.state('verify') !== 'done') return commandLine('verify', home);
  return commandLine('finalize', home);
}

export async function migrationStatus(home: string, by: string): Promise<MigrationResultDto> {
  const started = new Date();
  const config = await readNodeConfig(home);
  const journal = await MigrationJournal.load(home);
  const lock = await readLock(home);
  const pid = await findNodePid(home);
  const status: MigrationStatusDto = {
    journal: journal?.toDto() ?? null,
    lock,
    database: config.embedded ? 'embedded' : 'external',
    nodeRunning: pid !== null,
    nodePid: pid,
    next: nextStep(journal, home),
  };
  const running = journal?.toDto().steps.find((step) => step.state === 'running');
  const interrupted = journal
    ?.toDto()
    .steps.find((step) => step.state === 'running' || step.state === 'interrupted');
  const message = !journal
    ? 'No migration has started in this home.'
    : journal.finalized
      ? 'The migration is finalized.'
      : journal.rolledBack
        ? 'The last migration attempt was rolled back; the node runs standalone.'
        : running && lock?.alive
          ? `${running.step} is running (pid ${lock.pid} on ${lock.host}).`
          : interrupted
            ? `${interrupted.step} was interrupted (its command stopped): run it again to resume.`
            : `Steps: ${
                journal
                  .toDto()
                  .steps.filter((step) => step.state !== 'pending')
                  .map((step) => `${step.step} ${step.state}`)
                  .join(', ') || 'none yet'
              }.`;
  const finished = new Date();
  return {
    type: 'result',
    step: 'status',
    state: 'done',
    ok: true,
    dryRun: false,
    by,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    message,
    next: status.next,
    checks: [],
    reports: journal?.data.reports ?? [],
    source: {
      home,
      node: config.name,
      sharedDir: journal?.data.sourceSharedDir ?? null,
      clusterId: journal?.clusterId ?? null,
    },
    target: { db: journal?.targetDb ?? null, sharedDir: journal?.targetSharedDir ?? null },
    status,
  };
}
