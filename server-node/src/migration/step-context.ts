import type { MigrationCommand, MigrationResultDto, MigrationStepState } from '../api/index.js';
import { redactUrl } from '../db/pool.js';
import type { MigrationJournal } from './migration-journal.js';
import type { Progress } from './progress.js';
import type { Standalone } from './standalone.js';

/** What every step gets from the command: who runs it, the source, the journal, where progress goes. */
export interface StepContext {
  home: string;
  by: string;
  dryRun: boolean;
  progress: Progress;
  journal: MigrationJournal;
  standalone: Standalone;
}

/** A step's result with the common fields filled in; the step adds its own sections. */
export function stepResult(
  context: StepContext,
  step: MigrationCommand,
  started: Date,
  fields: { state: MigrationStepState; message: string; next?: string | null } & Partial<MigrationResultDto>,
): MigrationResultDto {
  const finished = new Date();
  const { standalone, journal } = context;
  return {
    type: 'result',
    step,
    ok: fields.state === 'done' || fields.state === 'waiting',
    dryRun: context.dryRun,
    by: context.by,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    checks: [],
    reports: [],
    source: {
      home: standalone.home,
      node: standalone.source.name,
      sharedDir: journal.data.sourceSharedDir ?? null,
      clusterId: journal.clusterId,
    },
    target: { db: journal.targetDb, sharedDir: journal.targetSharedDir },
    next: null,
    ...fields,
  };
}

/** The target URL as the journal and every message show it. */
export function shownUrl(url: string): string {
  return redactUrl(url);
}

/** A command line for `next`: never the target URL (it comes from FLOTILLA_TARGET_DB_URL). */
export function commandLine(step: string, home: string, extra: string[] = []): string {
  const quote = (value: string) =>
    /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
  const words = ['flotilla-node', 'migrate', ...(step === 'migrate' ? [] : [step])];
  return [...words, '--home', quote(home), ...extra.map(quote)].join(' ');
}
