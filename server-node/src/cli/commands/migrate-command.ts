import path from 'node:path';
import type { MigrationOutputDto, MigrationResultDto } from '../../api/index.js';
import { readNodeConfig } from '../../config/node-config.js';
import { runFinalize } from '../../migration/finalize-step.js';
import type { HeldLock } from '../../migration/migration-lock.js';
import { acquireLock } from '../../migration/migration-lock.js';
import { MigrationJournal } from '../../migration/migration-journal.js';
import {
  migrationActor,
  sharedDirOption,
  targetDbUrl,
  TARGET_DB_ENV,
  checkDbUrl,
} from '../../migration/migration-options.js';
import { runPrecopy } from '../../migration/precopy-step.js';
import { runPeerPreflight, runPreflight } from '../../migration/preflight-step.js';
import { Progress, describeProgress } from '../../migration/progress.js';
import { runAllSteps } from '../../migration/run-all-steps.js';
import { runRollback } from '../../migration/rollback-step.js';
import { readStandalone } from '../../migration/standalone.js';
import { migrationStatus } from '../../migration/status-step.js';
import type { StepContext } from '../../migration/step-context.js';
import { runSwitch } from '../../migration/switch-step.js';
import { runVerify } from '../../migration/verify-step.js';
import { UserError } from '../../user-error.js';
import type { CommandSpec } from '../args.js';
import { intOption, parseCommandArgs, usage } from '../args.js';

const STEPS = ['preflight', 'precopy', 'switch', 'verify', 'rollback', 'finalize', 'status'] as const;
type Step = (typeof STEPS)[number];

export const migrateSpec: CommandSpec = {
  name: 'migrate [preflight|precopy|switch|verify|rollback|finalize|status]',
  summary:
    'Move a standalone node (embedded PostgreSQL, storage in its home) to an external PostgreSQL and a shared\n' +
    'folder, as the first node of a cluster. Each step is journalled in <home>/migration and can be run again\n' +
    'or resumed after a crash. Without a step: every step in order (needs --yes, or --dry-run to rehearse).\n' +
    `The target URL may come from ${TARGET_DB_ENV} instead of --db, so no command line shows its password.`,
  options: {
    home: { type: 'string', help: 'the standalone node home (not needed with --peer)' },
    db: { type: 'string', help: `target PostgreSQL URL (or env ${TARGET_DB_ENV})` },
    shared: { type: 'string', help: 'the shared folder, the same absolute path on every node' },
    json: { type: 'boolean', help: 'one JSON object per line: progress events, then the result last' },
    start: { type: 'boolean', help: 'switch / rollback: start the node afterwards' },
    yes: { type: 'boolean', help: 'all steps: go ahead with the switch (an outage of seconds)' },
    'dry-run': { type: 'boolean', help: 'all steps: rehearse (preflight, precopy, predicted window) only' },
    finalize: { type: 'boolean', help: 'all steps: finalize too (removes the way back)' },
    force: { type: 'boolean', help: 'rollback: even if the new cluster has done work since the switch' },
    nodes: { type: 'string', help: 'preflight: nodes planned, for the connection check (default 3)' },
    'drain-timeout': {
      type: 'string',
      help: 'switch: seconds running tasks get before they are canceled (default 120)',
    },
    service: {
      type: 'string',
      help: 'switch: the systemd unit / Windows service that runs the node (found by itself on Linux)',
    },
    peer: {
      type: 'boolean',
      help: 'preflight on another host: check the share (with --nonce) and the database',
    },
    nonce: { type: 'string', help: 'preflight --peer: the nonce the source host printed' },
  },
};

type Args = Record<string, string | boolean | undefined>;

export async function migrateCommand(argv: string[]): Promise<number> {
  const first = argv[0];
  const step: Step | 'migrate' = first && !first.startsWith('-') ? (first as Step) : 'migrate';
  if (step !== 'migrate' && !STEPS.includes(step)) {
    throw new UserError(`Unknown migrate step '${first}'.\n\n${usage(migrateSpec)}`);
  }
  const args = parseCommandArgs(migrateSpec, step === 'migrate' ? argv : argv.slice(1));
  if (!args) return 0;
  const json = args.json === true;
  const print = (line: MigrationOutputDto) => {
    if (json) console.log(JSON.stringify(line));
    else if (line.type === 'progress') console.log(describeProgress(line));
    else printResult(line);
  };
  try {
    const result = await dispatch(step, args, print);
    // The last line is the result (for `migrate`, after each step's own).
    print(result);
    return result.ok ? 0 : 1;
  } catch (error) {
    if (!json || !(error instanceof UserError)) throw error;
    print(errorResult(step, args, error));
    return 1;
  }
}

async function dispatch(
  step: Step | 'migrate',
  args: Args,
  print: (line: MigrationOutputDto) => void,
): Promise<MigrationResultDto> {
  const by = migrationActor();
  if (step === 'preflight' && args.peer === true) {
    if (typeof args.nonce !== 'string' || !/^[0-9a-f]{32}$/.test(args.nonce)) {
      throw new UserError('preflight --peer needs --nonce: the 32 hex digits the source host printed.');
    }
    const url = (args.db as string | undefined) ?? process.env[TARGET_DB_ENV] ?? null;
    if (url) checkDbUrl(url);
    return runPeerPreflight({
      sharedDir: sharedDirOption(args.shared as string | undefined),
      nonce: args.nonce,
      targetUrl: url,
      plannedNodes: intOption(args.nodes, 'nodes', 1, 64) ?? 3,
      by,
    });
  }
  if (typeof args.home !== 'string') throw new UserError(`Missing --home.\n\n${usage(migrateSpec)}`);
  const home = path.resolve(args.home);
  if (step === 'status') return migrationStatus(home, by);
  if (step === 'migrate' && args.yes !== true && args['dry-run'] !== true) {
    throw new UserError(
      'Running every step includes the switch, an outage of seconds (the precopy measures it). Add --yes to go ' +
        'ahead, or --dry-run to rehearse (preflight, precopy, predicted window) without changing the standalone.',
    );
  }

  // Checked before the lock: a home that is not a standalone's is an error that touches nothing.
  await readNodeConfig(home);
  const lock = await acquireLock(home, step);
  const release = () => void lock.release().finally(() => process.exit(130));
  process.once('SIGINT', release);
  process.once('SIGTERM', release);
  try {
    return await runLocked(step, home, args, by, lock, print);
  } finally {
    process.off('SIGINT', release);
    process.off('SIGTERM', release);
    await lock.release();
  }
}

async function runLocked(
  step: Exclude<Step, 'status'> | 'migrate',
  home: string,
  args: Args,
  by: string,
  lock: HeldLock,
  print: (line: MigrationOutputDto) => void,
): Promise<MigrationResultDto> {
  let journal = await MigrationJournal.load(home);
  if (journal?.finalized) {
    // The standalone is gone (archived); only the record remains.
    const archive = journal.data.archive;
    if (step === 'finalize') return finalizedResult(home, by, archive?.path ?? null);
    throw new UserError(
      `The migration was finalized: the embedded database is archived in ${archive?.path ?? `${home}/migration/archive`} ` +
        `(with the old flotilla.json beside it). Going back now means restoring that archive by hand.`,
    );
  }
  const standalone = await readStandalone(home);
  if (!journal) {
    if (step !== 'preflight' && step !== 'migrate') {
      throw new UserError(
        `No migration has started in ${home}: begin with 'flotilla-node migrate preflight'.`,
      );
    }
    journal = MigrationJournal.create(home, { clusterId: null, node: standalone.source.name, attempt: 1 });
  }
  // We hold the lock: a step still marked running belongs to a command that is gone.
  journal.markInterrupted();
  if (lock.tookOverStale) await journal.save();
  if ((step === 'preflight' || step === 'migrate') && journal.rolledBack && !standalone.switched) {
    journal = await journal.startNextAttempt({ clusterId: journal.clusterId, node: standalone.source.name });
  }
  const context: StepContext = {
    home,
    by,
    dryRun: args['dry-run'] === true,
    progress: new Progress(step, print),
    journal,
    standalone,
  };
  const needTarget = () => ({
    targetUrl: targetDbUrl(args.db as string | undefined),
    sharedDir: sharedDirOption((args.shared as string | undefined) ?? journal.targetSharedDir ?? undefined),
  });
  const switchOptions = () => ({
    ...needTarget(),
    start: args.start === true,
    drainTimeoutSeconds: intOption(args['drain-timeout'], 'drain-timeout', 0, 86_400) ?? 120,
    service: args.service as string | undefined,
  });
  switch (step) {
    case 'preflight':
      return runPreflight(context, {
        ...needTarget(),
        plannedNodes: intOption(args.nodes, 'nodes', 1, 64) ?? 3,
      });
    case 'precopy':
      return runPrecopy(context, needTarget());
    case 'switch':
      return runSwitch(context, switchOptions());
    case 'verify':
      return runVerify(context);
    case 'rollback': {
      const url = (args.db as string | undefined) ?? process.env[TARGET_DB_ENV] ?? null;
      if (url) checkDbUrl(url);
      return runRollback(context, { force: args.force === true, start: args.start === true, targetUrl: url });
    }
    case 'finalize':
      return runFinalize(context);
    case 'migrate':
      return runAllSteps(
        context,
        {
          ...switchOptions(),
          plannedNodes: intOption(args.nodes, 'nodes', 1, 64) ?? 3,
          finalize: args.finalize === true,
        },
        print,
      );
  }
}

function finalizedResult(home: string, by: string, archive: string | null): MigrationResultDto {
  const now = new Date().toISOString();
  return {
    type: 'result',
    step: 'finalize',
    state: 'done',
    ok: true,
    dryRun: false,
    by,
    startedAt: now,
    finishedAt: now,
    durationMs: 0,
    message: `Already finalized; the embedded database is archived in ${archive ?? 'the home'}.`,
    next: null,
    checks: [],
    reports: [],
    source: { home, node: '', sharedDir: null, clusterId: null },
    target: { db: null, sharedDir: null },
  };
}

/** With --json, a refused command still ends with a result line the console can read. */
function errorResult(step: Step | 'migrate', args: Args, error: Error): MigrationResultDto {
  const now = new Date().toISOString();
  return {
    type: 'result',
    step,
    state: 'failed',
    ok: false,
    dryRun: args['dry-run'] === true,
    by: migrationActor(),
    startedAt: now,
    finishedAt: now,
    durationMs: 0,
    message: error.message,
    next: null,
    checks: [],
    reports: [],
    source: {
      home: typeof args.home === 'string' ? path.resolve(args.home) : '',
      node: '',
      sharedDir: null,
      clusterId: null,
    },
    target: { db: null, sharedDir: null },
  };
}

function printResult(result: MigrationResultDto): void {
  for (const check of result.checks) {
    const mark = check.status === 'pass' ? 'PASS' : check.status === 'fail' ? 'FAIL' : 'WARN';
    console.log(`${mark}  ${check.title}: ${check.detail}`);
    if (check.fix) console.log(`      fix: ${check.fix}`);
  }
  if (result.step === 'migrate') console.log('');
  console.log(`${result.step}: ${result.state}. ${result.message}`);
  if (result.rehearsal) {
    console.log(
      `  rehearsal: ${result.rehearsal.dbRows} rows copied in ${result.rehearsal.dbCopyMs} ms, ` +
        `predicted window ${(result.rehearsal.predictedWindowMs / 1000).toFixed(1)} s`,
    );
  }
  if (result.window?.windowMs != null)
    console.log(`  window: ${(result.window.windowMs / 1000).toFixed(1)} s`);
  for (const report of result.reports) console.log(`  report: ${report}`);
  if (result.next) console.log(`  next: ${result.next}`);
}
