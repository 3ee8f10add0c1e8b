import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { MigrationPlanDto, MigrationStateDto } from '../../common/contract.js';
import { UserError } from '../../common/user-error.js';
import type { Vault } from '../vault/vault.js';

/** What the console keeps of a cluster's migration besides the engine's journal: never a secret. */
export interface StoredMigration {
  plan: MigrationPlanDto;
  /** When the target, the share or the nodes last changed: a preflight from before no longer counts. */
  planChangedAt: string | null;
  results: MigrationStateDto['results'];
  peers: MigrationStateDto['peers'];
  provisionActionIds: string[];
  smoke: MigrationStateDto['smoke'];
  source: MigrationStateDto['source'];
  error: MigrationStateDto['error'];
}

export const EMPTY_PLAN: MigrationPlanDto = {
  source: null,
  targetDb: null,
  targetEmbedded: false,
  sharedDir: null,
  nodes: [],
  balancer: null,
};

function empty(): StoredMigration {
  return {
    plan: { ...EMPTY_PLAN },
    planChangedAt: null,
    results: {},
    peers: [],
    provisionActionIds: [],
    smoke: null,
    source: null,
    error: null,
  };
}

const targetSlot = (clusterId: string) => `cluster:${clusterId}:migrationTarget`;

/**
 * Each cluster's migration as the console keeps it, in `migrations.json` in its config folder (the plan
 * with the target URL masked, and the results shown on screen), and the target URL in the vault. The
 * engine's journal on the source stays the truth of where a migration stands; this adds what it does
 * not know (node hosts, the balancer choice, the smoke test).
 */
export class MigrationStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly vault: Vault,
  ) {}

  async get(clusterId: string): Promise<StoredMigration> {
    return (await this.read())[clusterId] ?? empty();
  }

  async all(): Promise<Record<string, StoredMigration>> {
    return this.read();
  }

  /** Changes one cluster's record. */
  update(clusterId: string, change: (stored: StoredMigration) => StoredMigration): Promise<StoredMigration> {
    return this.change((all) => {
      const updated = change(all[clusterId] ?? empty());
      all[clusterId] = updated;
      return updated;
    });
  }

  /** A cluster removed from the console: its record and its target URL go (the journal on the source stays). */
  async remove(clusterId: string): Promise<void> {
    await this.change((all) => {
      delete all[clusterId];
    });
    await this.vault.delete(targetSlot(clusterId));
  }

  targetUrl(clusterId: string): Promise<string | null> {
    return this.vault.get(targetSlot(clusterId));
  }

  setTargetUrl(clusterId: string, url: string): Promise<void> {
    return this.vault.set(targetSlot(clusterId), url);
  }

  /** Read, change and write back, one change at a time, written atomically (temp file + rename). */
  private change<T>(apply: (all: Record<string, StoredMigration>) => T): Promise<T> {
    const next = this.queue.then(async () => {
      const all = await this.read();
      const result = apply(all);
      await mkdir(path.dirname(this.file), { recursive: true });
      const temp = `${this.file}.${process.pid}.tmp`;
      await writeFile(temp, JSON.stringify({ version: 1, clusters: all }, null, 2) + '\n', { mode: 0o600 });
      await rename(temp, this.file);
      return result;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async read(): Promise<Record<string, StoredMigration>> {
    const text = await readFile(this.file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (text === null) return {};
    try {
      return (JSON.parse(text) as { clusters?: Record<string, StoredMigration> }).clusters ?? {};
    } catch {
      throw new UserError(
        `${this.file} is not valid JSON. Fix or remove it; the migration's journal on the source is kept.`,
      );
    }
  }
}
