import type { MigrationKind } from '../../api/schema.js';

/**
 * What a migration file exports. Its kind decides when it may run (see DESIGN.md "Upgrades"):
 * an expand whenever a node that carries it starts, a contract only once no live node is older
 * than its `compatibleFrom`. Its release decides which builds carry it.
 */
export interface MigrationFile {
  kind: MigrationKind;
  /** The first flotilla-node release that carries it: builds of an older version leave it out. */
  release: string;
  /**
   * Contract only: the oldest node version that never uses what it removes (the release that stopped
   * using it). The contract waits while an older node lives; once it ran the schema serves this
   * version and later only.
   */
  compatibleFrom?: string;
  /** Runs in one transaction with the record that it ran. */
  sql: string;
  /**
   * Expand only: what runs after `sql`, each step outside a transaction so that it never holds a
   * long lock; each resumes where it stopped if its node dies (the next node to start finishes it).
   */
  after?: readonly MigrationStep[];
}

export type MigrationStep = BackfillStep | ConcurrentIndexStep;

/**
 * `update <table> set <set> where <where>` over the table's `id` range in batches of `batch` ids,
 * each batch its own short transaction. `where` must exclude rows already done, so a resumed or
 * repeated batch changes nothing twice. The text is the migration's own SQL, never a value.
 */
export interface BackfillStep {
  kind: 'backfill';
  table: string;
  set: string;
  where: string;
  batch?: number;
}

/** `create index concurrently if not exists …`: an index left invalid by a crash is dropped and built again. */
export interface ConcurrentIndexStep {
  kind: 'index';
  name: string;
  create: string;
}

export interface Migration extends MigrationFile {
  version: number;
  name: string;
}
