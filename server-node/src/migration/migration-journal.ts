import { copyFile, mkdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type {
  MigrationArchiveDto,
  MigrationDatabaseDto,
  MigrationFilesDto,
  MigrationJournalDto,
  MigrationJournalStepDto,
  MigrationRehearsalDto,
  MigrationStep,
  MigrationStepState,
  MigrationTableDto,
  MigrationWindowDto,
} from '../api/index.js';
import { UserError } from '../user-error.js';
import { writeFileAtomic } from './atomic-file.js';
import type { NodeControlRecord } from './node-control.js';
import type { SourceFingerprint } from './source-fingerprint.js';

// The migration journal: <home>/migration/journal.json, one entry per step with its state, plus what
// later steps need (the freeze, how the node was stopped, the rehearsal's figures). It is written
// atomically (temp + fsync + rename) after every change, the previous version kept as journal.json.bak,
// so a crash of the CLI or the console at any moment leaves a readable journal. The journal is a
// record, not the truth: every step also checks the real world, so re-running one is always safe.
// It never holds the target's password: only the URL with the password redacted.

export const JOURNAL_STEPS: readonly MigrationStep[] = [
  'preflight',
  'precopy',
  'switch',
  'verify',
  'rollback',
  'finalize',
];

/** What the switch records about the moment the source was frozen (node stopped, nothing writes). */
export interface FreezeRecord {
  at: string;
  /** The standalone as it was at the freeze, for rollback to compare with. */
  fingerprint: SourceFingerprint;
  /** The source tables (rows and hashes) as copied. */
  tables: MigrationTableDto[];
}

export interface JournalData {
  sourceSharedDir?: string;
  nonce?: { file: string; value: string };
  rehearsal?: MigrationRehearsalDto;
  precopy?: MigrationFilesDto;
  maintenanceOnAt?: string;
  /** The node's draining flag before the switch drained it (null: it had no row), recorded once. */
  drainingBefore?: boolean | null;
  freeze?: FreezeRecord;
  control?: NodeControlRecord;
  window?: MigrationWindowDto;
  configBackup?: string;
  /** sha256 of the config as it was before the switch rewrote it (rollback checks it came back). */
  configSha256Before?: string;
  database?: MigrationDatabaseDto;
  archive?: MigrationArchiveDto;
  /** The nodes a rollback found on the new database (set draining there). */
  newNodes?: string[];
  reports?: string[];
}

interface JournalFile extends MigrationJournalDto {
  version: 1;
  home: string;
  data: JournalData;
}

const stepSchema = z.object({
  step: z.enum(['preflight', 'precopy', 'switch', 'verify', 'rollback', 'finalize']),
  state: z.enum(['pending', 'running', 'interrupted', 'waiting', 'done', 'failed']),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  by: z.string().nullable(),
  phase: z.string().nullable(),
  error: z.string().nullable(),
  summary: z.string().nullable(),
});

const journalSchema = z
  .object({
    version: z.literal(1),
    home: z.string(),
    attempt: z.number().int().min(1),
    clusterId: z.string().nullable(),
    node: z.string(),
    targetDb: z.string().nullable(),
    targetSharedDir: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    steps: z.array(stepSchema),
    rolledBack: z.boolean(),
    finalized: z.boolean(),
    data: z.record(z.string(), z.unknown()),
  })
  .loose();

export function migrationDir(home: string): string {
  return path.join(path.resolve(home), 'migration');
}

export function journalPath(home: string): string {
  return path.join(migrationDir(home), 'journal.json');
}

function emptyStep(step: MigrationStep): MigrationJournalStepDto {
  return {
    step,
    state: 'pending',
    startedAt: null,
    finishedAt: null,
    by: null,
    phase: null,
    error: null,
    summary: null,
  };
}

export class MigrationJournal {
  private constructor(
    private file: JournalFile,
    private readonly home: string,
  ) {}

  /** Reads the journal; null when none exists. A journal that cannot be read is a UserError, and nothing is changed. */
  static async load(home: string): Promise<MigrationJournal | null> {
    const file = journalPath(home);
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw new UserError(`Cannot read the migration journal ${file}: ${error.message}`);
    });
    if (text === null) return null;
    let parsed: unknown;
    let problem: string | null = null;
    try {
      parsed = JSON.parse(text);
      const result = journalSchema.safeParse(parsed);
      if (!result.success) {
        const issue = result.error.issues[0];
        problem = `${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`;
      }
    } catch (error) {
      problem = (error as Error).message;
    }
    if (problem !== null) {
      throw new UserError(
        `The migration journal ${file} is corrupt (${problem}). Nothing was changed. ` +
          `Its previous version is ${file}.bak: if that one reads, copy it over the journal and run the step ` +
          `again. Otherwise move the journal aside (mv ${file} ${file}.corrupt) and run 'flotilla-node migrate ` +
          `status': every step checks the real state (node, config, databases, share) and redoes only what is missing.`,
      );
    }
    return new MigrationJournal(parsed as JournalFile, home);
  }

  static create(
    home: string,
    init: { clusterId: string | null; node: string; attempt: number },
  ): MigrationJournal {
    const now = new Date().toISOString();
    return new MigrationJournal(
      {
        version: 1,
        home: path.resolve(home),
        attempt: init.attempt,
        clusterId: init.clusterId,
        node: init.node,
        targetDb: null,
        targetSharedDir: null,
        createdAt: now,
        updatedAt: now,
        steps: JOURNAL_STEPS.map(emptyStep),
        rolledBack: false,
        finalized: false,
        data: {},
      },
      home,
    );
  }

  get attempt(): number {
    return this.file.attempt;
  }

  get data(): JournalData {
    return this.file.data;
  }

  get rolledBack(): boolean {
    return this.file.rolledBack;
  }

  get finalized(): boolean {
    return this.file.finalized;
  }

  get targetDb(): string | null {
    return this.file.targetDb;
  }

  get targetSharedDir(): string | null {
    return this.file.targetSharedDir;
  }

  get clusterId(): string | null {
    return this.file.clusterId;
  }

  step(step: MigrationStep): MigrationJournalStepDto {
    let entry = this.file.steps.find((s) => s.step === step);
    if (!entry) {
      entry = emptyStep(step);
      this.file.steps.push(entry);
    }
    return entry;
  }

  state(step: MigrationStep): MigrationStepState {
    return this.step(step).state;
  }

  setTarget(targetDb: string, targetSharedDir: string): void {
    this.file.targetDb = targetDb;
    this.file.targetSharedDir = targetSharedDir;
  }

  setClusterId(clusterId: string): void {
    this.file.clusterId = clusterId;
  }

  /** Steps left `running` by a CLI that is gone (the caller holds the lock, so none can be running). */
  markInterrupted(): void {
    for (const step of this.file.steps) if (step.state === 'running') step.state = 'interrupted';
  }

  async begin(step: MigrationStep, by: string): Promise<void> {
    const entry = this.step(step);
    entry.state = 'running';
    entry.startedAt = new Date().toISOString();
    entry.finishedAt = null;
    entry.by = by;
    entry.error = null;
    await this.save();
  }

  async phase(step: MigrationStep, phase: string): Promise<void> {
    this.step(step).phase = phase;
    await this.save();
  }

  async finish(
    step: MigrationStep,
    state: MigrationStepState,
    summary: string | null,
    error: string | null = null,
  ): Promise<void> {
    const entry = this.step(step);
    entry.state = state;
    entry.finishedAt = new Date().toISOString();
    entry.summary = summary;
    entry.error = error;
    await this.save();
  }

  markRolledBack(): void {
    this.file.rolledBack = true;
  }

  markFinalized(): void {
    this.file.finalized = true;
  }

  /** Keeps this attempt's journal as journal-attempt-N.json and starts the next attempt. */
  async startNextAttempt(init: { clusterId: string | null; node: string }): Promise<MigrationJournal> {
    const dir = migrationDir(this.home);
    await rename(journalPath(this.home), path.join(dir, `journal-attempt-${this.file.attempt}.json`)).catch(
      () => undefined,
    );
    const next = MigrationJournal.create(this.home, { ...init, attempt: this.file.attempt + 1 });
    await next.save();
    return next;
  }

  async save(): Promise<void> {
    this.file.updatedAt = new Date().toISOString();
    const dir = migrationDir(this.home);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = journalPath(this.home);
    await copyFile(file, `${file}.bak`).catch(() => undefined);
    await writeFileAtomic(file, JSON.stringify(this.file, null, 2) + '\n');
  }

  toDto(): MigrationJournalDto {
    return {
      attempt: this.file.attempt,
      clusterId: this.file.clusterId,
      node: this.file.node,
      targetDb: this.file.targetDb,
      targetSharedDir: this.file.targetSharedDir,
      createdAt: this.file.createdAt,
      updatedAt: this.file.updatedAt,
      steps: JOURNAL_STEPS.map((step) => ({ ...this.step(step) })),
      rolledBack: this.file.rolledBack,
      finalized: this.file.finalized,
    };
  }
}
